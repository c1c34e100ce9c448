/** A loopback HTTP proxy in front of moto_server that holds chosen requests back for a while. */
import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface DelayProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Forwards every request to `target`; `delayFor(req)` ms (0 = none) pass before one is forwarded. */
export async function startDelayProxy(
  target: string,
  delayFor: (req: IncomingMessage) => number,
): Promise<DelayProxy> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const forward = () => {
      // A client that gave up while its request was held back never reached the server.
      if (req.socket.destroyed) return;
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    };
    const ms = delayFor(req);
    if (ms > 0) setTimeout(forward, ms).unref();
    else forward();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** True for S3 AbortMultipartUpload: DELETE with an uploadId query parameter. */
export function isAbortMultipartUpload(req: IncomingMessage): boolean {
  return req.method === "DELETE" && /[?&]uploadId=/.test(req.url ?? "");
}
