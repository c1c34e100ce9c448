import cliProgress from "cli-progress";
import type { CliIo } from "./io.js";

export interface Progress {
  update(done: number, total: number | undefined, label?: string): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A progress bar on stderr when it is a terminal and output is for people; otherwise nothing. */
export function createProgress(io: CliIo, title: string, json: boolean): Progress {
  if (json || !io.stderr.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: `${title} [{bar}] {percentage}% | {doneh} / {totalh} | {speed} | {label}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update(done, total, label = "") {
      const t = total ?? Math.max(done, 1);
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const payload = {
        doneh: formatBytes(done),
        totalh: total === undefined ? "?" : formatBytes(total),
        speed: `${formatBytes(done / seconds)}/s`,
        label,
      };
      if (!running) {
        bar.start(t, done, payload);
        running = true;
      } else {
        bar.setTotal(t);
        bar.update(done, payload);
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
