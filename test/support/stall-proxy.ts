/**
 * A loopback TCP server for timeout tests: it accepts connections and, for the first `stall`
 * connections (default: all), never answers. Later connections are piped to `target` (e.g. a
 * moto_server), so "stall the first attempt, then work" can be tested against the real protocol.
 */
import { connect, createServer, type Socket } from "node:net";

export interface StallProxy {
  readonly endpoint: string;
  /** Connections accepted so far (stalled + forwarded). */
  readonly connections: number;
  /** Connections that were held silent. */
  readonly stalled: number;
  close(): Promise<void>;
}

export async function startStallProxy(
  options: { stall?: number; target?: { host: string; port: number } } = {},
): Promise<StallProxy> {
  const stallCount = options.stall ?? Number.POSITIVE_INFINITY;
  const sockets = new Set<Socket>();
  let connections = 0;
  let stalled = 0;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    connections += 1;
    if (stalled < stallCount || !options.target) {
      stalled += 1;
      socket.resume(); // read and drop the request; never answer
      return;
    }
    const upstream = connect(options.target.port, options.target.host);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("stall proxy has no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    get stalled() {
      return stalled;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
