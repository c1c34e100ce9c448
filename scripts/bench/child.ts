/**
 * Runs one benchmark configuration in this (fresh) process and prints one JSON line: wall
 * time and CPU time of the transfer alone (imports and client construction excluded), and the
 * process's peak RSS (getrusage ru_maxrss, which includes everything the process ever held).
 */
import { performance } from "node:perf_hooks";
import { benchClient } from "./client.js";
import { CONFIGS } from "./configs.js";
import { prepareDownloadObjects } from "./cse-configs.js";
import type { BenchContext } from "./types.js";

export interface ChildSpec {
  readonly config: string;
  readonly endpoint: string;
  readonly bucket: string;
  readonly key: string;
  readonly file: string;
  readonly size: number;
  readonly partSize: number;
  readonly concurrency: number;
  readonly readHighWaterMark: number;
  readonly unsignedPayload: boolean;
  /** The run's self-signed certificate, for an https endpoint. */
  readonly caFile?: string;
  /** The object the download configurations of other clients read (plain GET of its bytes). */
  readonly downloadKey?: string;
}

export interface ChildResult {
  readonly config: string;
  readonly seconds: number;
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  readonly maxRssMiB: number;
  readonly rssBeforeMiB: number;
  /** The whole process's CPU seconds, startup included. */
  readonly cpuProcessSeconds: number;
}

/** A child's result plus what the parent saw around it. */
export interface Measurement extends ChildResult {
  /** CPU seconds the sink spent while this child ran. */
  readonly sinkCpuSeconds: number;
  /** Average cores busy with other processes on the machine meanwhile. */
  readonly otherCores: number;
}

process.on("disconnect", () => process.exit(1));

const spec = JSON.parse(process.argv[2] ?? "{}") as ChildSpec;
const unsignedPayload = spec.unsignedPayload || CONFIGS.get(spec.config)?.unsignedPayload === true;
const s3 = benchClient({
  endpoint: spec.endpoint,
  // Enough sockets for any configuration's own concurrency (e.g. 10 for cse-v3-8x10).
  maxSockets: Math.max(spec.concurrency * 2, 20),
  unsignedPayload,
  ...(spec.caFile ? { caFile: spec.caFile } : {}),
});
const ctx: BenchContext = { ...spec, unsignedPayload, s3 };
const run =
  spec.config === "prepare-download" ? () => prepareDownloadObjects(ctx) : CONFIGS.get(spec.config)?.run;
if (!run) throw new Error(`unknown configuration ${spec.config}`);

const rssBefore = process.memoryUsage().rss;
const before = process.resourceUsage();
const t0 = performance.now();
await run(ctx);
const seconds = (performance.now() - t0) / 1000;
const after = process.resourceUsage();
const result: ChildResult = {
  config: spec.config,
  seconds,
  cpuUserSeconds: (after.userCPUTime - before.userCPUTime) / 1e6,
  cpuSystemSeconds: (after.systemCPUTime - before.systemCPUTime) / 1e6,
  maxRssMiB: after.maxRSS / 1024,
  rssBeforeMiB: rssBefore / 2 ** 20,
  cpuProcessSeconds: (after.userCPUTime + after.systemCPUTime) / 1e6,
};
process.stdout.write(`\n${JSON.stringify(result)}\n`);
s3.destroy();
process.exit(0);
