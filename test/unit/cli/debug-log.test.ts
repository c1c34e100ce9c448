import { describe, expect, it } from "vitest";
import { redact } from "../../../src/cli/debug-log.js";

describe("--debug redaction", () => {
  it("redacts data keys, wrapped keys, bodies, SSE-C keys and credentials; keeps the rest", () => {
    const out = redact({
      commandName: "PutObjectCommand",
      input: {
        Bucket: "b",
        Body: Buffer.from("b0dyb0dy"),
        Metadata: { "x-amz-key": "d3JhcHBlZA==", "x-amz-key-v2": "AAAA", "x-amz-3": "BBBB", db: "Sales" },
        SSECustomerKey: "k",
      },
      output: { Plaintext: new Uint8Array(32), KeyId: "arn:k" },
      credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN" },
    });
    for (const secret of [
      "b0dyb0dy",
      "YjBkeWIwZHk=",
      "d3JhcHBlZA==",
      "AAAA",
      "BBBB",
      "SECRET",
      "TOKEN",
      "AKID",
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('"db":"Sales"');
    expect(out).toContain('"KeyId":"arn:k"');
    expect(out).toContain('"Bucket":"b"');
  });
});
