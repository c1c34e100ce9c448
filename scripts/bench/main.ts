/**
 * `npm run bench [-- options]`: starts the discard S3 sink once, writes the input file into a
 * temp directory, then runs every configuration in a fresh child process, round-robin (the
 * starting configuration rotates each round), and prints a Markdown table (or JSON).
 *
 *   --headline        2 GiB input, 5 rounds        --flat         8 GiB input (memory flatness)
 *   --size MiB        input size (default 256)    --rounds N     (default 3, headline 5)
 *   --part-size MiB   (16)   --concurrency N (4)   --read-hwm KiB (1024)
 *   --configs a,b     subset / extra configurations (see configs.ts, cse-configs.ts)
 *   --unsigned        UNSIGNED-PAYLOAD for every configuration   --json   JSON instead of Markdown
 *   --compare DIR     also run each non-baseline configuration from the checkout in DIR (shown
 *                     as "name@base"; its node_modules must be installed or linked)
 *   --tls             HTTPS: a self-signed certificate made at the start, trusted by every client
 *   --cap MB/s        per-connection bandwidth cap on the sink, both directions (0 = none)
 *   --quiet-wait S    wait up to S seconds for a quiet machine before each measurement (60)
 *   --attempts N      measure a disturbed configuration up to N times, keep the least disturbed (3)
 *   --vs              add the other clients: py-v3 and awscli-put for uploads, awscli-get for
 *                     downloads (installed from PyPI on first use, skipped with a line if not)
 */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ChildSpec, Measurement } from "./child.js";
import { BASELINE, COMPARE_SUFFIX, CONFIGS, REFERENCES } from "./configs.js";
import { DOWNLOAD_KEYS } from "./cse-configs.js";
import { writeInputFile } from "./input.js";
import { waitForQuiet } from "./machine.js";
import { type ExternalCommand, killAll, runChild, startSinkProcess } from "./processes.js";
import { awscliPython, DRIVER, type PythonEnv, s3ecPython } from "./python-env.js";
import { type Environment, summarize, toMarkdown } from "./report.js";
import { makeBenchCert } from "./tls.js";

const { values } = parseArgs({
  options: {
    headline: { type: "boolean", default: false },
    flat: { type: "boolean", default: false },
    size: { type: "string" },
    rounds: { type: "string" },
    "part-size": { type: "string", default: "16" },
    concurrency: { type: "string", default: "4" },
    "read-hwm": { type: "string", default: "1024" },
    configs: { type: "string" },
    compare: { type: "string" },
    unsigned: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    tls: { type: "boolean", default: false },
    cap: { type: "string", default: "0" },
    vs: { type: "boolean", default: false },
    "quiet-wait": { type: "string", default: "60" },
    attempts: { type: "string", default: "3" },
  },
});

const MiB = 2 ** 20;
/** Before each measurement, wait up to QUIET_WAIT_MS for other processes to use < QUIET_CORES. */
const QUIET_CORES = 0.2;
const QUIET_WAIT_MS = Number(values["quiet-wait"]) * 1000;
const MAX_ATTEMPTS = Number(values.attempts);
const sizeMiB = Number(values.size ?? (values.flat ? 8192 : values.headline ? 2048 : 256));
const rounds = Number(values.rounds ?? (values.headline ? 5 : 3));
const DEFAULT_CONFIGS = [
  "plain",
  "naive-gcm",
  "naive-cbc",
  "cse-v3",
  "cse-rds",
  "get-plain",
  "get-v3",
  "get-rds",
];
const requested = [
  ...new Set([
    ...(values.configs?.split(",") ?? DEFAULT_CONFIGS),
    ...(values.vs
      ? (values.configs?.split(",") ?? DEFAULT_CONFIGS).flatMap((n) =>
          (REFERENCES[CONFIGS.get(n)?.kind ?? "upload"] as readonly string[]).filter(
            (r) => CONFIGS.get(r)?.external,
          ),
        )
      : []),
  ]),
];
const unknown = requested.filter((n) => !CONFIGS.has(n));
if (unknown.length > 0) throw new Error(`unknown configurations: ${unknown.join(", ")}`);
/** The Python baselines' environments (installed on first use); a failed one skips its configurations. */
const envs = new Map<string, PythonEnv>();
const envOf = (which: "s3ec" | "awscli"): PythonEnv => {
  let env = envs.get(which);
  if (!env) {
    env = which === "s3ec" ? s3ecPython() : awscliPython();
    envs.set(which, env);
  }
  return env;
};
const skipped: string[] = [];
const externalOf = (name: string): ExternalCommand | undefined => {
  const ext = CONFIGS.get(name)?.external;
  if (!ext) return undefined;
  const env = envOf(ext.env);
  return "python" in env ? { python: env.python, driver: DRIVER, mode: ext.mode } : undefined;
};
for (const n of requested) {
  const ext = CONFIGS.get(n)?.external;
  const env = ext ? envOf(ext.env) : undefined;
  if (env && "skipped" in env) {
    skipped.push(`${n}: ${env.skipped}`);
    process.stderr.write(`bench: skipping ${n}: ${env.skipped}\n`);
  }
}
const runnable = requested.filter((n) => !CONFIGS.get(n)?.external || externalOf(n));
/** The requested configurations, each preceded by its baseline if that was not requested. */
const names = [
  ...new Set(
    runnable.flatMap((n) => {
      const c = CONFIGS.get(n)!;
      const baseline = c.baseline ?? BASELINE[c.kind];
      const compare = values.compare && n !== baseline && !c.external;
      return [baseline, n, ...(compare ? [`${n}${COMPARE_SUFFIX}`] : [])];
    }),
  ),
];

const root = await mkdtemp(join(tmpdir(), "s3-cse-bench-"));
let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  killAll();
  rmSync(root, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

async function versionOf(pkg: string): Promise<string> {
  const json = JSON.parse(await readFile(join("node_modules", pkg, "package.json"), "utf8")) as {
    version: string;
  };
  return json.version;
}

try {
  const environment: Environment = {
    node: process.versions.node,
    openssl: process.versions.openssl,
    clientS3: await versionOf("@aws-sdk/client-s3"),
    libStorage: await versionOf("@aws-sdk/lib-storage"),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    sizeBytes: sizeMiB * MiB,
    partSize: Number(values["part-size"]) * MiB,
    concurrency: Number(values.concurrency),
    readHighWaterMark: Number(values["read-hwm"]) * 1024,
    unsignedPayload: values.unsigned,
    rounds,
    transport: values.tls ? "https" : "http",
    capMBps: Number(values.cap),
    skipped,
  };
  await mkdir(join(root, "sink"));
  const cert = values.tls ? makeBenchCert(root) : undefined;
  const sink = await startSinkProcess(join(root, "sink"), {
    ...(cert ? { tls: cert } : {}),
    capMBps: Number(values.cap),
  });
  const file = join(root, "input.bin");
  log(`bench: writing ${sizeMiB} MiB input, sink at ${sink.endpoint}`);
  await writeInputFile(file, environment.sizeBytes);
  const spec = (config: string, round: number): ChildSpec => ({
    config,
    endpoint: sink.endpoint,
    bucket: "bench",
    key: `discard/${config}-${round}`,
    file,
    size: environment.sizeBytes,
    partSize: environment.partSize,
    concurrency: environment.concurrency,
    readHighWaterMark: environment.readHighWaterMark,
    unsignedPayload: environment.unsignedPayload,
    downloadKey: DOWNLOAD_KEYS.v3,
    ...(cert ? { caFile: cert.certFile } : {}),
  });
  if (names.some((n) => CONFIGS.get(n)?.kind === "download")) {
    log("bench: uploading the object the download configurations read");
    await runChild(spec("prepare-download", 0), sink.pid);
  }
  const results: Map<string, Measurement>[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    const perRound = new Map<string, Measurement>();
    for (const name of order) {
      const base = name.endsWith(COMPARE_SUFFIX);
      let r: Measurement | undefined;
      // A measurement disturbed by other processes is repeated (the least disturbed one is kept).
      for (let attempt = 1; attempt <= MAX_ATTEMPTS && (r?.otherCores ?? 1) >= QUIET_CORES; attempt++) {
        const load = await waitForQuiet(QUIET_CORES, QUIET_WAIT_MS);
        if (load >= QUIET_CORES)
          log(`bench: other processes keep ${load.toFixed(2)} cores busy; measuring anyway`);
        const next = base
          ? await runChild(spec(name.slice(0, -COMPARE_SUFFIX.length), round), sink.pid, values.compare)
          : await runChild(spec(name, round), sink.pid, undefined, externalOf(name));
        if (!r || next.otherCores < r.otherCores) r = next;
      }
      if (!r) throw new Error("unreachable: no measurement");
      perRound.set(name, r);
      const mbps = environment.sizeBytes / 1e6 / r.seconds;
      log(
        `round ${round + 1}/${rounds} ${name}: ${mbps.toFixed(0)} MB/s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB, ` +
          `other load ${r.otherCores.toFixed(2)} cores`,
      );
    }
    results.push(perRound);
  }
  await sink.stop();
  const report = summarize(environment, names, results);
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : toMarkdown(report)}\n`);
} catch (err) {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
