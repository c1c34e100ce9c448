import { describe, expect, it } from "vitest";
import { putObject } from "../../../src/client/put-object.js";
import { ErrorCodes } from "../../../src/errors.js";

describe("putObject (the drop-in client's PutObject)", () => {
  it("Precondition: a PutObject body is a string, bytes, a Blob or a readable stream — anything else is refused before S3 or KMS", async () => {
    const sent: unknown[] = [];
    const client = { send: async (command: unknown) => sent.push(command) };
    for (const Body of [42, true, { length: 3 }, [1, 2, 3], Symbol("body")]) {
      await expect(
        putObject({ Bucket: "b", Key: "k", Body } as never, { client, keyring: {} } as never),
      ).rejects.toMatchObject({
        code: ErrorCodes.INVALID_ARGUMENT,
        message:
          "PutObject Body must be a string, Uint8Array/Buffer, Blob, Node.js Readable or web ReadableStream",
      });
    }
    expect(sent).toEqual([]);
  });
});
