import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionPacers, MIN_SLEEP_MS, Pacer } from "../../../scripts/bench/sink/pacer.js";

/** Sends `total` bytes in `chunk`-byte writes on a fake clock that advances by the waits (≥ MIN_SLEEP_MS). */
function simulate(p: Pacer, total: number, chunk: number, costMs = 0): number {
  let now = 1000;
  for (let sent = 0; sent < total; sent += chunk) {
    now += costMs;
    const wait = p.delay(Math.min(chunk, total - sent), now);
    if (wait >= MIN_SLEEP_MS) now += wait;
  }
  return now - 1000;
}

describe("bench sink pacer (per-connection cap)", () => {
  it("holds a sustained transfer to the cap, within the burst", () => {
    const p = new Pacer(60e6, 20);
    const ms = simulate(p, 600e6, 64 * 1024);
    // 600 MB at 60 MB/s = 10 s; the burst lets it finish up to 20 ms early (and a timer may overshoot).
    expect(ms).toBeGreaterThanOrEqual(10_000 - 20 - MIN_SLEEP_MS);
    expect(ms).toBeLessThanOrEqual(10_000);
  });

  it("never slows a sender that is already below the cap", () => {
    const p = new Pacer(60e6, 20);
    // 64 KiB every 2 ms = 33 MB/s: no waits at all.
    let waited = 0;
    let now = 0;
    for (let i = 0; i < 10_000; i++) {
      now += 2;
      waited += p.delay(64 * 1024, now);
    }
    expect(waited).toBe(0);
  });

  it("does not bank idle time beyond the burst", () => {
    const p = new Pacer(1e6, 20);
    expect(p.delay(1000, 0)).toBe(0); // 1 ms of transfer, inside the burst
    // After a long idle period only 20 ms (20 kB) may go out without waiting.
    expect(p.delay(20_000, 60_000)).toBe(0);
    expect(p.delay(10_000, 60_000)).toBeCloseTo(10, 6);
  });

  it("a cap of 0 is no cap", () => {
    const p = new Pacer(0);
    expect(p.delay(1e12, 0)).toBe(0);
    expect(new ConnectionPacers(0).for({} as never)).toBeUndefined();
  });

  it("keeps one pacer per connection", () => {
    const pacers = new ConnectionPacers(1e6);
    const a = {} as never;
    const b = {} as never;
    expect(pacers.for(a)).toBe(pacers.for(a));
    expect(pacers.for(a)).not.toBe(pacers.for(b));
  });

  it("the average rate never exceeds the cap (any chunk sizes and sender speeds)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }), // MB/s
        fc.integer({ min: 1, max: 4 * 1024 * 1024 }), // chunk bytes
        fc.integer({ min: 0, max: 5 }), // sender cost per chunk, ms
        (mbps, chunk, cost) => {
          const rate = mbps * 1e6;
          const total = 50 * chunk;
          const ms = simulate(new Pacer(rate, 20), total, chunk, cost);
          const lowerBound = (total * 1000) / rate - 20 - MIN_SLEEP_MS;
          expect(ms).toBeGreaterThanOrEqual(lowerBound);
        },
      ),
      { seed: 12, numRuns: 200 },
    );
  });
});
