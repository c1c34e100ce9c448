/**
 * Machine-wide CPU accounting from /proc (Linux), so a run can tell its own CPU from that of
 * other processes sharing the cores: `otherCores` is the average number of cores busy with
 * anything but the client and the sink during a measurement.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const TICK = 100; // USER_HZ on Linux

export interface CpuSample {
  readonly at: number;
  /** Busy seconds over all cores since boot. */
  readonly busy: number;
  /** The sink's user+system seconds. */
  readonly sink: number;
}

function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy / TICK;
}

function processSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICK; // utime, stime
  } catch {
    return 0;
  }
}

export function sampleCpu(sinkPid: number | undefined): CpuSample {
  try {
    return { at: performance.now() / 1000, busy: machineBusySeconds(), sink: processSeconds(sinkPid) };
  } catch {
    return { at: performance.now() / 1000, busy: 0, sink: 0 };
  }
}

/** Cores busy with other work between two samples, given the client's own CPU seconds. */
export function otherCores(a: CpuSample, b: CpuSample, clientSeconds: number): number {
  const wall = b.at - a.at;
  if (wall <= 0 || b.busy === 0) return 0;
  return Math.max(0, (b.busy - a.busy - (b.sink - a.sink) - clientSeconds) / wall);
}

/**
 * Waits (up to `maxWaitMs`) until other processes use less than `threshold` cores over half a
 * second, so measurements do not start in the middle of someone else's burst. Returns the
 * last measured load.
 */
export async function waitForQuiet(threshold: number, maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const a = sampleCpu(undefined);
    await sleep(500);
    const load = otherCores(a, sampleCpu(undefined), 0);
    if (load < threshold || Date.now() >= deadline) return load;
  }
}
