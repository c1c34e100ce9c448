/**
 * resumableBody's read timeout, on fake timers: one timer per body, re-armed with refresh() as each
 * chunk is asked for, firing only while a read is pending. A body under test control stands in for
 * the GetObject response (the network side is in test/integration/download-retry.test.ts).
 */
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resumableBody } from "../../../src/transfer/resumable-body.js";

const DATA = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
const ETAG = '"abc"';

/** GetObject double: each request gets a fresh body the test feeds; records the Range asked for. */
function fakeS3() {
  const bodies: PassThrough[] = [];
  const ranges: string[] = [];
  return {
    bodies,
    ranges,
    // biome-ignore lint/suspicious/noExplicitAny: a structural `{ send }` client.
    send: async (command: any) => {
      const range = command.input.Range as string;
      ranges.push(range);
      const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(range)!;
      const body = new PassThrough();
      bodies.push(body);
      return { Body: body, ETag: ETAG, ContentRange: `bytes ${start}-${end}/${DATA.length}` };
    },
  };
}

function start(s3: ReturnType<typeof fakeS3>, readTimeoutMs: number) {
  const got: Buffer[] = [];
  const retries: number[] = [];
  const it = resumableBody({
    s3,
    bucket: "b",
    key: "k",
    etag: ETAG,
    objectLength: DATA.length,
    start: 0,
    end: DATA.length - 1,
    readTimeoutMs,
    retryBaseDelayMs: 1,
    onRetry: (r) => retries.push(r.position),
  });
  return { it, got, retries };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets the body's data and the generator's awaits run on fake time. */
const tick = () => vi.advanceTimersByTimeAsync(0);

describe("resumableBody read timeout (one refreshed timer)", () => {
  it("a body that stalls after 30 bytes is destroyed after readTimeoutMs and resumed from byte 30", async () => {
    const s3 = fakeS3();
    const { it: body, got, retries } = start(s3, 1000);
    const drained = (async () => {
      for await (const c of body) got.push(Buffer.from(c));
    })();
    await tick();
    s3.bodies[0]!.write(DATA.subarray(0, 30));
    await tick();
    await vi.advanceTimersByTimeAsync(999);
    expect(s3.ranges).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(10); // backoff (≤ 1 ms) and the ranged GET
    expect(retries).toEqual([30]);
    expect(s3.ranges).toEqual(["bytes=0-99", "bytes=30-99"]);
    s3.bodies[1]!.end(DATA.subarray(30));
    await tick();
    await drained;
    expect(Buffer.concat(got).equals(DATA)).toBe(true);
  });

  it("chunks arriving every 0.9 × readTimeoutMs for 10 × readTimeoutMs never time out: the timer is refreshed", async () => {
    const s3 = fakeS3();
    const { it: body, got, retries } = start(s3, 1000);
    const drained = (async () => {
      for await (const c of body) got.push(Buffer.from(c));
    })();
    await tick();
    for (let i = 0; i < 10; i++) {
      s3.bodies[0]!.write(DATA.subarray(i * 10, i * 10 + 10));
      await vi.advanceTimersByTimeAsync(900);
    }
    s3.bodies[0]!.end();
    await tick();
    await drained;
    expect(retries).toEqual([]);
    expect(Buffer.concat(got).equals(DATA)).toBe(true);
  });

  it("one timer per body, however many chunks: setTimeout is called once for 50 chunks", async () => {
    const s3 = fakeS3();
    const { it: body, got } = start(s3, 1000);
    const spy = vi.spyOn(globalThis, "setTimeout");
    const drained = (async () => {
      for await (const c of body) got.push(Buffer.from(c));
    })();
    await tick();
    for (let i = 0; i < 50; i++) {
      s3.bodies[0]!.write(DATA.subarray(i * 2, i * 2 + 2));
      await tick();
    }
    s3.bodies[0]!.end();
    await drained;
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(Buffer.concat(got).equals(DATA)).toBe(true);
  });

  it("a consumer that holds a chunk longer than readTimeoutMs is not a stall: no retry", async () => {
    const s3 = fakeS3();
    const { it: body, got, retries } = start(s3, 1000);
    const first = body.next();
    await tick();
    s3.bodies[0]!.write(DATA.subarray(0, 50));
    got.push(Buffer.from(((await first) as IteratorResult<Buffer>).value));
    await vi.advanceTimersByTimeAsync(5000); // the consumer is busy; no read is pending
    const second = body.next();
    await tick();
    s3.bodies[0]!.end(DATA.subarray(50));
    got.push(Buffer.from(((await second) as IteratorResult<Buffer>).value));
    expect((await body.next()).done).toBe(true);
    expect(retries).toEqual([]);
    expect(s3.ranges).toHaveLength(1);
    expect(Buffer.concat(got).equals(DATA)).toBe(true);
  });
});
