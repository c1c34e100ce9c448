/**
 * An HTTP or HTTPS reverse proxy in front of moto_server that records each request's method, path
 * and headers, then forwards it unchanged (minus `expect`, already answered) — to see on the wire
 * what the SDK sent, e.g. `x-amz-content-sha256`. HTTPS uses a self-signed certificate for
 * 127.0.0.1 (`certFile`, to pass as the CA bundle).
 */
import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { selfSignedCert } from "./tls-front.js";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RecordingFront {
  readonly endpoint: string;
  /** Only for HTTPS: the PEM certificate to trust. */
  readonly certFile: string | undefined;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingFront(
  target: string,
  options: { tls: boolean; dir: string },
): Promise<RecordingFront> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers } });
    const { expect: _expect, ...headers } = req.headers;
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  };
  const cert = options.tls ? selfSignedCert(options.dir) : undefined;
  const server = cert
    ? createHttpsServer({ key: readFileSync(cert.keyFile), cert: readFileSync(cert.certFile) }, forward)
    : createHttpServer(forward);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${cert ? "https" : "http"}://127.0.0.1:${port}`,
    certFile: cert?.certFile,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
