/**
 * A per-connection bandwidth cap for the bench sink (to model real S3, where one connection
 * carries roughly 50–100 MB/s). A token bucket kept as a "virtual clock": the time by which every
 * byte accounted so far would have been sent at the cap. A connection may run ahead of the cap
 * by at most `burstMs` of transfer; beyond that `delay()` says how long to wait.
 */
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Waits shorter than this are carried over (timers are not finer than ~1 ms). */
export const MIN_SLEEP_MS = 2;

export class Pacer {
  private virtual = Number.NEGATIVE_INFINITY;

  constructor(
    /** Bytes per second; 0 or less = no cap. */
    readonly bytesPerSecond: number,
    /** How far a connection may run ahead of the cap (ms of transfer at the cap). */
    readonly burstMs = 20,
  ) {}

  /** Accounts `bytes` sent at `nowMs` and returns how long to wait (ms) before sending more. */
  delay(bytes: number, nowMs: number): number {
    if (this.bytesPerSecond <= 0) return 0;
    const start = Math.max(this.virtual, nowMs - this.burstMs);
    this.virtual = start + (bytes * 1000) / this.bytesPerSecond;
    return Math.max(0, this.virtual - nowMs);
  }

  /** `delay()`, then sleeps if the wait is worth a timer. */
  async pace(bytes: number): Promise<void> {
    const ms = this.delay(bytes, performance.now());
    if (ms >= MIN_SLEEP_MS) await sleep(ms);
  }
}

/** One pacer per TCP connection: keep-alive requests on the same socket share its cap. */
export class ConnectionPacers {
  private readonly pacers = new WeakMap<Socket, Pacer>();

  constructor(readonly bytesPerSecond: number) {}

  for(socket: Socket): Pacer | undefined {
    if (this.bytesPerSecond <= 0) return undefined;
    let p = this.pacers.get(socket);
    if (!p) {
      p = new Pacer(this.bytesPerSecond);
      this.pacers.set(socket, p);
    }
    return p;
  }
}
