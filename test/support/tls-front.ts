/**
 * A TLS endpoint in front of a plain TCP target (moto_server), with a self-signed certificate made
 * by the openssl CLI for 127.0.0.1 — for CA-bundle and TLS-failure tests.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { createServer } from "node:tls";

export interface TlsFront {
  readonly endpoint: string;
  /** Path of the PEM certificate (its own CA: self-signed). */
  readonly certFile: string;
  close(): Promise<void>;
}

/** A self-signed certificate (its own CA) for 127.0.0.1, made by the openssl CLI in `dir`. */
export function selfSignedCert(dir: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, "tls-key.pem");
  const certFile = join(dir, "tls-cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "pipe" },
  );
  return { keyFile, certFile };
}

export async function startTlsFront(dir: string, target: { host: string; port: number }): Promise<TlsFront> {
  const { keyFile, certFile } = selfSignedCert(dir);
  const sockets = new Set<Socket>();
  const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("TLS front has no port");
  return {
    endpoint: `https://127.0.0.1:${addr.port}`,
    certFile,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
