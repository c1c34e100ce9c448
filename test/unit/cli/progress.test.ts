import { PassThrough, Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CliIo } from "../../../src/cli/io.js";
import { createProgress, createSetProgress } from "../../../src/cli/progress.js";
import { formatEta, RateMeter } from "../../../src/cli/progress-format.js";

const MiB = 1024 * 1024;

/** A stderr that says it is a terminal (cli-progress draws only then) and keeps what was drawn. */
function fakeTty(isTTY = true) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 200 });
  let text = "";
  stream.on("data", (c: Buffer) => {
    text += c.toString();
  });
  const io: CliIo = {
    stdout: new PassThrough(),
    stderr: stream,
    stdin: Readable.from([]),
    env: {},
    signal: new AbortController().signal,
  };
  const plain = () =>
    text
      .replace(/\x1B\[\d*G/g, "\r") // cursorTo(column 0): the next frame starts
      .replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, "");
  /** Each drawn line (the terminal code redraws in place: split at carriage returns and newlines). */
  const frames = () =>
    plain()
      .split(/[\r\n]/)
      .map((l) => l.trimEnd())
      .filter((l) => l.length > 0);
  return { io, frames, raw: () => text };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("upload/download bar (cli-progress on a fake TTY)", () => {
  it("tracks the bytes it is given, with percentage, done/total, rate over recent updates and ETA", () => {
    const tty = fakeTty();
    const p = createProgress(tty.io, "upload rds", false);
    p.update(0, 100 * MiB, "0 parts done");
    for (let i = 1; i <= 4; i++) {
      vi.advanceTimersByTime(1000); // 10 MiB acknowledged per second
      p.update(i * 10 * MiB, 100 * MiB, `${i} parts done`);
    }
    const last = tty.frames().at(-1) ?? "";
    expect(last).toMatch(/^upload rds \[/);
    expect(last).toContain("40% | 40.0 MiB / 100.0 MiB | 10.0 MiB/s | ETA 6s | 4 parts done");
    p.stop();
  });

  it("ETA is ? before there is a rate, and minutes/hours when long", () => {
    const tty = fakeTty();
    const p = createProgress(tty.io, "download", false);
    p.update(0, 10 * 1024 * MiB);
    expect(tty.frames().at(-1)).toContain("ETA ?");
    vi.advanceTimersByTime(1000);
    p.update(MiB, 10 * 1024 * MiB); // 1 MiB/s, 10 GiB to go
    expect(tty.frames().at(-1)).toContain("ETA 2h50m");
    p.stop();
  });

  it("a source of unknown size (stdin) shows bytes and rate, no bar, percentage or ETA", () => {
    const tty = fakeTty();
    const p = createProgress(tty.io, "upload v3", false);
    p.update(0, undefined, "");
    vi.advanceTimersByTime(2000);
    p.update(8 * MiB, undefined, "1 part done");
    const last = tty.frames().at(-1) ?? "";
    expect(last).toBe("upload v3 8.0 MiB | 4.0 MiB/s | 1 part done");
    p.stop();
  });

  it("draws nothing when stderr is not a terminal, or when hidden (--json, --quiet, --no-progress)", () => {
    const notTty = fakeTty(false);
    const a = createProgress(notTty.io, "upload", false);
    a.update(5, 10);
    a.stop();
    expect(notTty.raw()).toBe("");
    const hidden = fakeTty();
    const b = createProgress(hidden.io, "upload", true);
    b.update(5, 10);
    b.stop();
    expect(hidden.raw()).toBe("");
  });
});

describe("multi-file upload bar", () => {
  it("a line for the set (bytes of all files, k/n files, rate, ETA) and a line per file in flight", () => {
    const tty = fakeTty();
    const set = createSetProgress(tty.io, "upload 3 files", false, [
      { name: "a.bak", bytes: 10 * MiB },
      { name: "b.bak", bytes: 20 * MiB },
      { name: "c.bak", bytes: 30 * MiB },
    ]);
    const a = set.file("a.bak");
    const b = set.file("b.bak");
    a.update(0, 10 * MiB, "0 parts done");
    b.update(0, 20 * MiB, "0 parts done");
    vi.advanceTimersByTime(1000);
    a.update(10 * MiB, 10 * MiB, "2 parts done");
    a.stop();
    vi.advanceTimersByTime(1000);
    b.update(20 * MiB, 20 * MiB, "4 parts done");
    vi.advanceTimersByTime(200); // MultiBar redraws on its timer
    const frames = tty.frames();
    const setLine = frames.filter((l) => l.startsWith("upload 3 files")).at(-1) ?? "";
    expect(setLine).toContain("50% | 30.0 MiB / 60.0 MiB | 1/3 files | 15.0 MiB/s | ETA 2s");
    expect(
      frames.some((l) => /^ {2}b\.bak \[.*\] 100% \| 20\.0 MiB \/ 20\.0 MiB \| 4 parts done$/.test(l)),
    ).toBe(true);
    b.stop();
    vi.advanceTimersByTime(200);
    set.stop();
    const final =
      tty
        .frames()
        .filter((l) => l.startsWith("upload 3 files"))
        .at(-1) ?? "";
    expect(final).toContain("| 2/3 files |");
  });

  it("nothing when stderr is not a terminal", () => {
    const tty = fakeTty(false);
    const set = createSetProgress(tty.io, "upload", false, [{ name: "a", bytes: 1 }]);
    set.file("a").update(1, 1);
    set.stop();
    expect(tty.raw()).toBe("");
  });
});

describe("progress formatting", () => {
  it("formatEta: cli-progress NULL/INF as ?, seconds, minutes, hours", () => {
    expect(formatEta("NULL")).toBe("?");
    expect(formatEta("INF")).toBe("?");
    expect(formatEta(7)).toBe("7s");
    expect(formatEta(185)).toBe("3m05s");
    expect(formatEta(3720)).toBe("1h02m");
  });

  it("RateMeter: the rate over the recent window, so a stall shows as a falling rate", () => {
    const m = new RateMeter(0, 3);
    m.add(1000, 100);
    expect(m.bytesPerSecond()).toBe(100);
    m.add(2000, 200);
    m.add(3000, 300);
    m.add(4000, 300); // stalled: the window is 2000..4000
    expect(m.bytesPerSecond()).toBe(50);
  });

  it("RateMeter: updates closer than the minimum interval replace the newest sample", () => {
    const m = new RateMeter(0, 3, 200);
    m.add(1000, 100);
    m.add(2000, 200);
    for (let t = 2010; t <= 2100; t += 10) m.add(t, 200 + (t - 2000)); // per-chunk updates
    expect(m.bytesPerSecond()).toBeCloseTo((300 - 100) / 1.1, 6);
  });
});
