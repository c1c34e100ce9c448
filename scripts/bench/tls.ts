/**
 * The bench's HTTPS mode: a self-signed certificate for 127.0.0.1 (its own CA), made by the
 * openssl CLI at the start of the run in the run's temp dir. Every client trusts it through its
 * CA-bundle setting (Node: the https.Agent's `ca`; boto3: `verify=`; aws CLI: `--ca-bundle`).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface BenchCert {
  readonly keyFile: string;
  readonly certFile: string;
}

/** P-256 key: TLS's bulk cipher (AES-GCM) is the same whatever the key type; EC is quick to make. */
export function makeBenchCert(dir: string): BenchCert {
  const keyFile = join(dir, "tls-key.pem");
  const certFile = join(dir, "tls-cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "pipe" },
  );
  return { keyFile, certFile };
}
