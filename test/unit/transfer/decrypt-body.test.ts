import { once } from "node:events";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { decryptBody } from "../../../src/transfer/decrypt-body.js";
import { eventLoopTurns } from "../../support/seeded-random.js";

/** A body that never ends, producing a chunk per event-loop turn (like a socket). */
const endless = () =>
  new Readable({
    read() {
      setImmediate(() => this.push(Buffer.alloc(1024)));
    },
  });

describe("decryptBody", () => {
  it("destroying the decrypted stream also destroys the HTTP body (its socket is released)", async () => {
    const body = endless();
    const out = decryptBody(body, new PassThrough(), "b", "k");
    out.resume();
    await once(body, "data");
    out.destroy();
    await eventLoopTurns(5);
    expect(body.destroyed).toBe(true);
  });

  it("a body error reaches the consumer as an S3 failure naming the object", async () => {
    const body = endless();
    const out = decryptBody(body, new PassThrough(), "b", "k.bak");
    out.resume();
    const err = new Promise((resolve) => out.once("error", resolve));
    body.destroy(Object.assign(new Error("socket hang up"), { name: "ECONNRESET" }));
    expect(await err).toMatchObject({
      code: ErrorCodes.S3_FAILURE,
      message: expect.stringMatching(/GetObject s3:\/\/b\/k\.bak .*socket hang up/),
    });
  });
});
