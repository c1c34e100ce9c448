import cliProgress from "cli-progress";
import type { CliIo } from "./io.js";
import { formatBytes, formatEta, formatRate, RateMeter } from "./progress-format.js";

/** One transfer's progress: `done` of `total` bytes (acknowledged by S3 on upload, received on download). */
export interface Progress {
  update(done: number, total: number | undefined, label?: string): void;
  stop(): void;
}

/** Progress of a set of files (a multi-file upload): one line for the set, one per file in flight. */
export interface SetProgress {
  /** The progress of one file of the set; its line appears at its first update and goes when it stops. */
  file(name: string): Progress;
  stop(): void;
}

export interface SetFile {
  readonly name: string;
  /** Plaintext size, when known. */
  readonly bytes: number | undefined;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

// cli-progress tokens: {bar} {percentage} {eta_formatted} (formatted by formatEta); the rest is payload.
export const KNOWN_TOTAL_FORMAT =
  "{title} [{bar}] {percentage}% | {doneh} / {totalh} | {speed} | ETA {eta_formatted} | {label}";
export const UNKNOWN_TOTAL_FORMAT = "{title} {doneh} | {speed} | {label}";
export const SET_FORMAT =
  "{title} [{bar}] {percentage}% | {doneh} / {totalh} | {files} files | {speed} | ETA {eta_formatted}";
export const SET_FILE_FORMAT = "  {title} [{bar}] {percentage}% | {doneh} / {totalh} | {label}";

function barOptions(io: CliIo, format: string): cliProgress.Options {
  return {
    stream: io.stderr,
    format,
    formatTime: formatEta,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 20,
    autopadding: true,
  };
}

function shows(io: CliIo, hidden: boolean): boolean {
  return !hidden && io.stderr.isTTY === true;
}

function payload(title: string, done: number, total: number | undefined, rate: number, label: string) {
  return {
    title,
    doneh: formatBytes(done),
    totalh: total === undefined ? "?" : formatBytes(total),
    speed: formatRate(rate),
    label,
  };
}

/**
 * A bar on stderr when it is a terminal and output is for people (`hidden`: --json, --quiet,
 * --no-progress, …); otherwise nothing. Rate over the recent updates; ETA from cli-progress.
 */
export function createProgress(io: CliIo, title: string, hidden: boolean): Progress {
  if (!shows(io, hidden)) return NONE;
  const meter = new RateMeter(Date.now());
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total, label = "") {
      meter.add(Date.now(), done);
      const p = payload(title, done, total, meter.bytesPerSecond(), label);
      if (!bar) {
        const format = total === undefined ? UNKNOWN_TOTAL_FORMAT : KNOWN_TOTAL_FORMAT;
        bar = new cliProgress.SingleBar(barOptions(io, format), cliProgress.Presets.shades_classic);
        bar.start(total ?? Math.max(done, 1), done, p);
        return;
      }
      bar.setTotal(total ?? Math.max(done, 1));
      bar.update(done, p);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/**
 * The bar of a multi-file upload: a line for the set (bytes of all files, `k/n files` finished, rate,
 * ETA) and a line for each file in flight. Nothing unless stderr is a terminal and not `hidden`.
 */
export function createSetProgress(
  io: CliIo,
  title: string,
  hidden: boolean,
  files: readonly SetFile[],
): SetProgress {
  if (!shows(io, hidden)) return { file: () => NONE, stop: () => undefined };
  const multi = new cliProgress.MultiBar(barOptions(io, SET_FILE_FORMAT), cliProgress.Presets.shades_classic);
  const sizes = new Map(files.map((f) => [f.name, f.bytes]));
  const known = files.every((f) => f.bytes !== undefined);
  const setTotal = known ? files.reduce((n, f) => n + (f.bytes ?? 0), 0) : undefined;
  const doneBytes = new Map<string, number>();
  const finished = new Set<string>();
  const meter = new RateMeter(Date.now());
  const sum = () => [...doneBytes.values()].reduce((a, b) => a + b, 0);
  const setPayload = () => ({
    ...payload(title, sum(), setTotal, meter.bytesPerSecond(), ""),
    files: `${finished.size}/${files.length}`,
  });
  const setBar = multi.create(Math.max(setTotal ?? 1, 1), 0, setPayload(), {
    format: known ? SET_FORMAT : UNKNOWN_TOTAL_FORMAT.replace("{label}", "{files} files"),
  });
  const refresh = () => {
    const total = sum();
    meter.add(Date.now(), total);
    setBar.update(total, setPayload());
  };
  return {
    file(name) {
      let bar: cliProgress.SingleBar | undefined;
      return {
        update(done, total, label = "") {
          if (finished.has(name)) return;
          const t = total ?? sizes.get(name);
          doneBytes.set(name, Math.min(done, t ?? done));
          const p = payload(name, done, t, 0, label);
          if (!bar) bar = multi.create(Math.max(t ?? done, 1), done, p);
          else bar.update(done, p);
          refresh();
        },
        stop() {
          if (finished.has(name)) return;
          finished.add(name);
          if (bar) multi.remove(bar);
          bar = undefined;
          refresh();
        },
      };
    },
    stop() {
      multi.update();
      multi.stop();
    },
  };
}
