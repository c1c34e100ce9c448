/** Aggregates per-round measurements and renders the Markdown table and the JSON report. */
import type { Measurement } from "./child.js";
import { BASELINE, configFor } from "./configs.js";

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
  const configs = names.map((name): ConfigSummary => {
    const kind = configFor(name)?.kind ?? "upload";
    const baseline = configFor(name)?.baseline ?? BASELINE[kind];
    const rounds = results.map((round) => round.get(name)).filter((r): r is Measurement => !!r);
    const speeds = rounds.map(mbps);
    const ratios = results
      .map((round) => {
        const own = round.get(name);
        const base = round.get(baseline);
        return own && base ? mbps(own) / mbps(base) : undefined;
      })
      .filter((x): x is number => x !== undefined);
    return {
      config: name,
      kind,
      baseline,
      mbps: { median: median(speeds), min: Math.min(...speeds), max: Math.max(...speeds) },
      ratio: median(ratios),
      peakRssMiB: Math.max(...rounds.map((r) => r.maxRssMiB)),
      cpuSecondsPerGB: median(
        rounds.map((r) => (r.cpuUserSeconds + r.cpuSystemSeconds) / (environment.sizeBytes / 1e9)),
      ),
      sinkCpuSecondsPerGB: median(rounds.map((r) => r.sinkCpuSeconds / (environment.sizeBytes / 1e9))),
      maxOtherCores: Math.max(...rounds.map((r) => r.otherCores)),
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
      `${e.unsignedPayload ? "UNSIGNED-PAYLOAD" : "signed payload"}, ${e.rounds} rounds. ` +
      `Node ${e.node}, OpenSSL ${e.openssl}, @aws-sdk/client-s3 ${e.clientS3}, ` +
      `lib-storage ${e.libStorage}, ${e.cores} cores (${e.cpu}).`,
    "",
    "| configuration | MB/s median (min–max) | ratio to baseline | peak RSS | client CPU s/GB | sink CPU s/GB | other load |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const c of report.configs) {
    const ratio = c.config === c.baseline ? "1 (baseline)" : `${c.ratio.toFixed(2)} × ${c.baseline}`;
    lines.push(
      `| ${c.config} | ${c.mbps.median.toFixed(0)} (${c.mbps.min.toFixed(0)}–${c.mbps.max.toFixed(0)}) | ` +
        `${ratio} | ${c.peakRssMiB.toFixed(0)} MiB | ${c.cpuSecondsPerGB.toFixed(2)} | ` +
        `${c.sinkCpuSecondsPerGB.toFixed(2)} | ≤ ${c.maxOtherCores.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}
