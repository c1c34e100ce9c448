/**
 * What resumableBody checks in each GetObject answer before it yields a byte, and how long it keeps
 * retrying without progress. A `{ send }` double answers each request as the test says; retries
 * back off 0 ms (retryBaseDelayMs: 0), so nothing waits on a clock.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { resumableBody } from "../../../src/transfer/resumable-body.js";

const DATA = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
const ETAG = '"abc"';

/** A GetObject double: `answer(range, n)` gives the n-th response (1-based); records the ranges. */
function s3(answer: (range: { start: number; end: number }, n: number) => Record<string, unknown>) {
  const ranges: string[] = [];
  return {
    ranges,
    // biome-ignore lint/suspicious/noExplicitAny: a structural `{ send }` client.
    send: async (command: any) => {
      const range = command.input.Range as string;
      ranges.push(range);
      const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(range)!.map(Number);
      return answer({ start: start!, end: end! }, ranges.length);
    },
  };
}
const honest = ({ start, end }: { start: number; end: number }) => ({
  Body: Readable.from([DATA.subarray(start, end + 1)]),
  ETag: ETAG,
  ContentRange: `bytes ${start}-${end}/${DATA.length}`,
});

async function read(client: ReturnType<typeof s3>, maxRetries = 5): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of resumableBody({
    s3: client,
    bucket: "b",
    key: "k",
    etag: ETAG,
    objectLength: DATA.length,
    start: 0,
    end: DATA.length - 1,
    maxRetries,
    retryBaseDelayMs: 0,
  }))
    out.push(chunk);
  return Buffer.concat(out);
}

describe("resumableBody answers", () => {
  it("reads an honest answer byte-exact", async () => {
    expect((await read(s3(honest))).equals(DATA)).toBe(true);
  });

  it("Precondition: a resumed GET is the same object version (ETag) as the first response", async () => {
    const client = s3((r) => ({ ...honest(r), ETag: '"replaced"' }));
    await expect(read(client)).rejects.toMatchObject({ code: ErrorCodes.OBJECT_CHANGED });
    expect(client.ranges).toEqual(["bytes=0-99"]);
  });

  it("Precondition: a resumed GET answers with exactly the requested range of an object of the same length", async () => {
    for (const ContentRange of ["bytes 0-99/200", "bytes 10-99/100", undefined]) {
      const client = s3((r) => ({ ...honest(r), ContentRange }));
      await expect(read(client)).rejects.toMatchObject({
        code: ErrorCodes.TRUNCATED,
        message: `GetObject s3://b/k returned Content-Range "${ContentRange ?? "none"}" where "bytes 0-99/100" was requested`,
      });
      expect(client.ranges).toHaveLength(1);
    }
  });

  it("Precondition: a response carries no more bytes than the range asked for", async () => {
    const client = s3((r) => ({
      ...honest(r),
      Body: Readable.from([Buffer.concat([DATA, Buffer.alloc(1)])]),
    }));
    await expect(read(client)).rejects.toMatchObject({
      code: ErrorCodes.TRUNCATED,
      message: "GetObject s3://b/k returned more bytes than bytes=0-99",
    });
  });

  it("Precondition: a range is retried at most maxRetries times in a row without progress — progress resets the count", async () => {
    const reset = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const failing = s3(() => {
      throw reset();
    });
    await expect(read(failing, 3)).rejects.toMatchObject({
      code: ErrorCodes.S3_FAILURE,
      message: expect.stringMatching(
        /^GetObject s3:\/\/b\/k failed at byte 0 after 3 retries without progress/,
      ),
    });
    expect(failing.ranges).toHaveLength(4); // the first attempt and 3 retries

    // Each answer delivers 10 bytes and then fails: always progress, so 10 answers finish the range.
    const trickle = s3((r) => {
      const body = new Readable({ read() {} });
      body.push(DATA.subarray(r.start, Math.min(r.start + 10, r.end + 1)));
      if (r.start + 10 > r.end) body.push(null);
      else setImmediate(() => body.destroy(reset()));
      return { ...honest(r), Body: body };
    });
    expect((await read(trickle, 1)).equals(DATA)).toBe(true);
    expect(trickle.ranges).toHaveLength(10);
  });
});
