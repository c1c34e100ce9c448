/** Aggregates per-round measurements and renders the Markdown table and the JSON report. */
import type { Measurement } from "./child.js";
import { BASELINE, configFor, REFERENCES } from "./configs.js";

export interface Environment {
  readonly node: string;
  readonly openssl: string;
  readonly clientS3: string;
  readonly libStorage: string;
  readonly cores: number;
  readonly cpu: string;
  readonly sizeBytes: number;
  readonly partSize: number;
  readonly concurrency: number;
  readonly readHighWaterMark: number;
  readonly unsignedPayload: boolean;
  readonly rounds: number;
  /** "http" or "https" (self-signed certificate trusted through each client's CA bundle). */
  readonly transport?: "http" | "https";
  /** The sink's per-connection bandwidth cap, MB/s (0 = none). */
  readonly capMBps?: number;
  /** Configurations left out, and why (e.g. a client that could not be installed). */
  readonly skipped?: readonly string[];
}

/** Medians over rounds of this configuration's figure ÷ a reference's in the same round. */
export interface VersusReference {
  readonly mbps: number;
  readonly cpuSecondsPerGB: number;
}

export interface ConfigSummary {
  readonly config: string;
  readonly kind: "upload" | "download";
  readonly baseline: string;
  readonly mbps: { readonly median: number; readonly min: number; readonly max: number };
  /** Median over rounds of (this config's MB/s ÷ the baseline's MB/s in the same round). */
  readonly ratio: number;
  readonly peakRssMiB: number;
  readonly cpuSecondsPerGB: number;
  /** The sink's CPU seconds per GB (it shares the cores with the client). */
  readonly sinkCpuSecondsPerGB: number;
  /** The highest average load from other processes seen during any round. */
  readonly maxOtherCores: number;
  /** Against each reference client (REFERENCES) that ran in the same rounds, itself excluded. */
  readonly versus: Readonly<Record<string, VersusReference>>;
  readonly rounds: readonly Measurement[];
}

export interface Report {
  readonly environment: Environment;
  readonly configs: readonly ConfigSummary[];
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** `results[round][config]` → one summary per configuration. */
export function summarize(
  environment: Environment,
  names: readonly string[],
  results: ReadonlyArray<ReadonlyMap<string, Measurement>>,
): Report {
  const mbps = (r: Measurement): number => environment.sizeBytes / 1e6 / r.seconds;
  const cpu = (r: Measurement): number =>
    (r.cpuUserSeconds + r.cpuSystemSeconds) / (environment.sizeBytes / 1e9);
  /** Median over the rounds where both ran of f(own) ÷ f(reference). */
  const ratioOf = (name: string, reference: string, f: (r: Measurement) => number): number =>
    median(
      results
        .map((round) => {
          const own = round.get(name);
          const ref = round.get(reference);
          return own && ref ? f(own) / f(ref) : undefined;
        })
        .filter((x): x is number => x !== undefined),
    );
  const configs = names.map((name): ConfigSummary => {
    const kind = configFor(name)?.kind ?? "upload";
    const baseline = configFor(name)?.baseline ?? BASELINE[kind];
    const rounds = results.map((round) => round.get(name)).filter((r): r is Measurement => !!r);
    const speeds = rounds.map(mbps);
    const versus: Record<string, VersusReference> = {};
    for (const reference of REFERENCES[kind]) {
      if (reference === name || !names.includes(reference)) continue;
      versus[reference] = {
        mbps: ratioOf(name, reference, mbps),
        cpuSecondsPerGB: ratioOf(name, reference, cpu),
      };
    }
    return {
      config: name,
      kind,
      baseline,
      mbps: { median: median(speeds), min: Math.min(...speeds), max: Math.max(...speeds) },
      ratio: ratioOf(name, baseline, mbps),
      peakRssMiB: Math.max(...rounds.map((r) => r.maxRssMiB)),
      cpuSecondsPerGB: median(rounds.map(cpu)),
      sinkCpuSecondsPerGB: median(rounds.map((r) => r.sinkCpuSeconds / (environment.sizeBytes / 1e9))),
      maxOtherCores: Math.max(...rounds.map((r) => r.otherCores)),
      versus,
      rounds,
    };
  });
  return { environment, configs };
}

const mib = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`;

export function toMarkdown(report: Report): string {
  const e = report.environment;
  const lines = [
    `Input ${mib(e.sizeBytes)}, parts ${mib(e.partSize)} × concurrency ${e.concurrency}, ` +
      `read highWaterMark ${Math.round(e.readHighWaterMark / 1024)} KiB, ` +
      `${e.unsignedPayload ? "UNSIGNED-PAYLOAD everywhere" : "each client's payload signing"}, ` +
      `${(e.transport ?? "http").toUpperCase()}, ` +
      `${e.capMBps ? `sink capped at ${e.capMBps} MB/s per connection` : "no bandwidth cap"}, ${e.rounds} rounds. ` +
      `Node ${e.node}, OpenSSL ${e.openssl}, @aws-sdk/client-s3 ${e.clientS3}, ` +
      `lib-storage ${e.libStorage}, ${e.cores} cores (${e.cpu}).`,
    "",
    "| configuration | MB/s median (min–max) | ratio to baseline | vs other clients (MB/s, CPU s/GB) | peak RSS | client CPU s/GB | sink CPU s/GB | other load |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const c of report.configs) {
    const ratio = c.config === c.baseline ? "1 (baseline)" : `${c.ratio.toFixed(2)} × ${c.baseline}`;
    lines.push(
      `| ${c.config} | ${c.mbps.median.toFixed(0)} (${c.mbps.min.toFixed(0)}–${c.mbps.max.toFixed(0)}) | ` +
        `${ratio} | ${versusCell(c)} | ${c.peakRssMiB.toFixed(0)} MiB | ${c.cpuSecondsPerGB.toFixed(2)} | ` +
        `${c.sinkCpuSecondsPerGB.toFixed(2)} | ≤ ${c.maxOtherCores.toFixed(2)} |`,
    );
  }
  for (const s of e.skipped ?? []) lines.push("", `Skipped: ${s}`);
  return lines.join("\n");
}

/** "1.21× / 0.80× py-v3; …": MB/s ratio / CPU-per-byte ratio against each reference. */
export function versusCell(c: ConfigSummary): string {
  const cells = Object.entries(c.versus)
    .filter(([ref]) => ref !== c.baseline)
    .map(([ref, v]) => `${v.mbps.toFixed(2)}× / ${v.cpuSecondsPerGB.toFixed(2)}× ${ref}`);
  return cells.length > 0 ? cells.join("; ") : "–";
}
