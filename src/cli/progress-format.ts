/** Formatting and rate measurement shared by the progress bars (no terminal code here). */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${UNITS[i]}`;
}

/**
 * cli-progress's `{eta_formatted}` formatter: seconds as `1h02m`, `3m05s`, `42s`; its "no estimate
 * yet" values (`NULL` before two samples, `INF` while nothing moves) as `?`.
 */
export function formatEta(t: unknown): string {
  if (typeof t !== "number" || !Number.isFinite(t)) return "?";
  const s = Math.max(0, Math.round(t));
  const two = (v: number) => String(v).padStart(2, "0");
  if (s >= 3600) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  return `${s}s`;
}

/**
 * Bytes per second over the last `window` samples (so a stall shows as a falling rate, not as the
 * average since the start). With one sample, the average since `startedAt`. Samples closer than
 * `minIntervalMs` replace the newest one, so a download's per-chunk updates still span seconds.
 */
export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly startedAt: number,
    private readonly window = 20,
    private readonly minIntervalMs = 200,
  ) {}

  add(t: number, bytes: number): void {
    const prev = this.samples.at(-2);
    if (prev && t - prev.t < this.minIntervalMs) this.samples.pop();
    this.samples.push({ t, bytes });
    if (this.samples.length > this.window) this.samples.shift();
  }

  bytesPerSecond(): number {
    const last = this.samples.at(-1);
    if (!last) return 0;
    const first = this.samples.length > 1 ? this.samples[0] : { t: this.startedAt, bytes: 0 };
    if (!first) return 0;
    const seconds = (last.t - first.t) / 1000;
    return seconds > 0 ? Math.max(0, last.bytes - first.bytes) / seconds : 0;
  }
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}
