import { randomBytes } from "node:crypto";
import { DescribeKeyCommand, ReEncryptCommand } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { ErrorCodes } from "../../../src/errors.js";
import { keyArnOf, rewrapDataKey, wrapContextOf } from "../../../src/materials/kms-rewrap.js";

const OLD = "arn:aws:kms:us-east-1:111122223333:key/old";
const NEW = "arn:aws:kms:us-east-1:111122223333:key/new";
const b64 = (n: number) => randomBytes(n).toString("base64");

/** V2 metadata with the given wrap algorithm (AES/GCM content). */
const v2 = (wrap: string, matdesc = "{}") =>
  decodeContentMetadata({
    "x-amz-key-v2": b64(40),
    "x-amz-iv": b64(12),
    "x-amz-cek-alg": "AES/GCM/NoPadding",
    "x-amz-wrap-alg": wrap,
    "x-amz-tag-len": "128",
    "x-amz-matdesc": matdesc,
  });
const v1 = () => decodeContentMetadata({ "x-amz-key": b64(48), "x-amz-iv": b64(16), "x-amz-matdesc": "{}" });

/** A KMS double: DescribeKey resolves per `arns`; ReEncrypt answers with `reEncrypt`. */
function kms(
  arns: Record<string, string | undefined>,
  reEncrypt: () => Record<string, unknown> = () => ({}),
) {
  const calls: string[] = [];
  return {
    calls,
    async send(command: unknown) {
      if (command instanceof DescribeKeyCommand) {
        calls.push("DescribeKey");
        const arn = arns[command.input.KeyId as string];
        return { KeyMetadata: arn ? { Arn: arn } : {} };
      }
      if (command instanceof ReEncryptCommand) {
        calls.push("ReEncrypt");
        return reEncrypt();
      }
      throw new Error("unexpected KMS command");
    },
  };
}

describe("KMS rewrap preconditions", () => {
  it("Precondition: only KMS-wrapped data keys can be rewrapped under a KMS key", () => {
    for (const wrap of ["AES/GCM", "RSA-OAEP-SHA1"]) {
      expect(() => wrapContextOf(v2(wrap))).toThrow(
        expect.objectContaining({
          code: ErrorCodes.KEY_UNAVAILABLE,
          message: expect.stringMatching(new RegExp(`wrapped with ${wrap}, not KMS`)),
        }),
      );
    }
    expect(wrapContextOf(v1())).toEqual({});
    expect(wrapContextOf(v2("kms", '{"kms_cmk_id":"alias/a"}'))).toEqual({ kms_cmk_id: "alias/a" });
  });

  it("Precondition: DescribeKey names the key's ARN", async () => {
    const client = kms({ "alias/new": NEW });
    await expect(keyArnOf(client, "alias/new")).resolves.toBe(NEW);
    await expect(keyArnOf(client, "alias/gone")).rejects.toMatchObject({
      code: ErrorCodes.KEYRING_FAILURE,
      message: "KMS DescribeKey for alias/gone returned no ARN",
    });
  });

  it("Precondition: KMS returned the rewrapped data key", async () => {
    const arns = { "alias/old": OLD, "alias/new": NEW };
    const request = (client: ReturnType<typeof kms>) =>
      rewrapDataKey({ kms: client, metadata: v1(), oldKeyId: "alias/old", newKeyId: "alias/new" });
    for (const blob of [undefined, new Uint8Array(0)]) {
      const client = kms(arns, () => ({ SourceKeyId: OLD, ...(blob ? { CiphertextBlob: blob } : {}) }));
      await expect(request(client)).rejects.toMatchObject({
        code: ErrorCodes.KEYRING_FAILURE,
        message: "KMS returned no rewrapped data key",
      });
      expect(client.calls).toEqual(["DescribeKey", "DescribeKey", "ReEncrypt"]);
    }
    const blob = new Uint8Array(randomBytes(40));
    await expect(request(kms(arns, () => ({ SourceKeyId: OLD, CiphertextBlob: blob })))).resolves.toEqual({
      status: "rewrapped",
      encryptedDataKey: blob,
      oldKeyArn: OLD,
      newKeyArn: NEW,
    });
  });
});
