// A seeded pseudo-random generator for tests (mulberry32): the same seed gives the same sequence, so a
// failing run can be replayed. Not for keys or anything secret — tests take those from node:crypto.

/** A function returning floats in [0, 1), determined by `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A function returning integers in [min, max], determined by `seed`. */
export function seededInt(seed: number, min: number, max: number): () => number {
  const next = seededRandom(seed);
  return () => min + Math.floor(next() * (max - min + 1));
}

/** Lets the event loop run `n` times (each turn runs I/O and stream callbacks) — a wait without a clock. */
export async function eventLoopTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
