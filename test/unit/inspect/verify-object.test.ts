import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { FindingCodes } from "../../../src/inspect/findings.js";
import { verifyObject } from "../../../src/inspect/verify-object.js";

/** A fake S3: HeadObject returns `head`; GetObject of the instruction file returns `instruction` (or 404). */
function fakeS3(head: object | Error, instruction?: string) {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: SDK command shape.
    async send(command: any) {
      const name = command.constructor.name;
      if (name === "HeadObjectCommand") {
        if (head instanceof Error) throw head;
        return head;
      }
      if (name === "GetObjectCommand" && instruction !== undefined) {
        const body = Readable.from([Buffer.from(instruction)]);
        return { Body: Object.assign(body, { transformToString: async () => instruction }) };
      }
      const e = new Error("not found");
      e.name = "NoSuchKey";
      throw e;
    },
  };
}

describe("verifyObject", () => {
  it("RDS and deep checks have the KMS client (or keyring) they need", async () => {
    const s3 = fakeS3({ Metadata: {} });
    await expect(verifyObject({ s3, bucket: "b", key: "k", rds: { kmsKeyId: "arn" } })).rejects.toMatchObject(
      {
        code: ErrorCodes.INVALID_ARGUMENT,
      },
    );
    await expect(verifyObject({ s3, bucket: "b", key: "k", deep: true })).rejects.toThrow(
      "need a KMS client",
    );
  });

  it("reports an instruction file that is not JSON as INSTRUCTION_FILE_INVALID", async () => {
    const r = await verifyObject({ s3: fakeS3({ Metadata: {} }, "{not json"), bucket: "b", key: "k" });
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.INSTRUCTION_FILE_INVALID]);
    expect(r.target).toBe("s3://b/k");
  });

  it("reports a failed HeadObject as OBJECT_READ_FAILED with the S3 error", async () => {
    const denied = Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
    const r = await verifyObject({ s3: fakeS3(denied), bucket: "b", key: "k" });
    expect(r.ok).toBe(false);
    expect(r.findings[0]).toMatchObject({ code: FindingCodes.OBJECT_READ_FAILED });
    expect(r.findings[0]?.message).toContain("AccessDenied");
  });
});
