/**
 * The discard S3 sink as its own process: `node --import tsx scripts/bench/sink/main.ts --dir D
 * [--tls-key K --tls-cert C] [--cap-mbps N]` (HTTPS; per-connection cap in MB/s, both directions).
 * Prints one JSON line `{"endpoint":"http://127.0.0.1:PORT"}` when listening; exits on SIGINT,
 * SIGTERM or when its parent's IPC channel closes, removing D.
 */
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSink } from "./server.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    port: { type: "string" },
    "tls-key": { type: "string" },
    "tls-cert": { type: "string" },
    "cap-mbps": { type: "string" },
  },
});
const dir = values.dir ?? (await mkdtemp(join(tmpdir(), "s3-cse-sink-")));
const tls =
  values["tls-key"] && values["tls-cert"]
    ? { key: readFileSync(values["tls-key"]), cert: readFileSync(values["tls-cert"]) }
    : undefined;
const server = await startSink(dir, Number(values.port ?? 0), {
  ...(tls ? { tls } : {}),
  capBytesPerSecond: Number(values["cap-mbps"] ?? 0) * 1e6,
});
const addr = server.address();
const port = typeof addr === "object" && addr ? addr.port : 0;

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
process.stdout.write(`${JSON.stringify({ endpoint: `${tls ? "https" : "http"}://127.0.0.1:${port}` })}\n`);
