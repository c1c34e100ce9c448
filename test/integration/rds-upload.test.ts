import { createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { DecryptCommand } from "@aws-sdk/client-kms";
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { downloadToFile } from "../../src/transfer/download.js";
import { MiB } from "../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { encryptAndUploadFile } from "../../src/transfer/upload-file.js";
import { useTempDir, useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";

const aws = useTestAws();
const dir = useTempDir("s3cse-it-");

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Decrypts an object with raw KMS Decrypt (no context) and node:crypto — not the library's read path. */
async function independentDecrypt(key: string): Promise<{ plain: Buffer; metadata: Record<string, string> }> {
  const obj = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  const body = Buffer.from(await obj.Body!.transformToByteArray());
  const md = obj.Metadata!;
  const { Plaintext } = await aws.kms.send(
    new DecryptCommand({ CiphertextBlob: Buffer.from(md["x-amz-key"]!, "base64") }),
  );
  const d = createDecipheriv("aes-256-cbc", Plaintext!, Buffer.from(md["x-amz-iv"]!, "base64"));
  return { plain: Buffer.concat([d.update(body), d.final()]), metadata: md };
}

describe("RDS-format upload against moto_server", () => {
  const keyForms = {
    "key id": () => aws.keyId,
    "key ARN": () => aws.keyArn,
    "alias name": () => aws.aliasName,
    "alias ARN": () => aws.keyArn.replace(/:key\/.*$/, `:${aws.aliasName}`),
  };
  for (const [size, form] of [
    [0, "key id"],
    [1, "key ARN"],
    [5 * MiB + 1, "alias name"],
    [50 * MiB + 3, "alias ARN"],
  ] as const) {
    it(`uploads ${size} bytes (KMS ${form}) in exactly the V1 format and round-trips byte-exact`, async () => {
      const plain = randomBytes(size);
      const file = join(dir, `in-${size}.bak`);
      await writeFile(file, plain);
      const key = `backups/${size}.bak`;
      const result = await encryptAndUploadFile({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        file,
        keyring: new KmsKeyring({ client: aws.kms, keyId: keyForms[form]() }),
        format: "rds",
        partSize: 5 * MiB,
      });
      expect(result.bytes).toBe(size);
      expect(result.parts).toBe(size > 5 * MiB ? Math.ceil((size + 1) / (5 * MiB)) : 0);

      const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
      expect(Object.keys(head.Metadata!).sort()).toEqual([
        "x-amz-iv",
        "x-amz-key",
        "x-amz-matdesc",
        "x-amz-unencrypted-content-length",
      ]);
      expect(head.Metadata!["x-amz-matdesc"]).toBe("{}");
      expect(head.Metadata!["x-amz-unencrypted-content-length"]).toBe(String(size));
      expect(head.ContentLength).toBe(16 * (Math.floor(size / 16) + 1));

      const independent = await independentDecrypt(key);
      expect(sha256(independent.plain)).toBe(sha256(plain));

      const out = join(dir, `out-${size}.bak`);
      await downloadToFile({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        file: out,
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
        allowLegacy: true,
      });
      expect(sha256(await readFile(out))).toBe(sha256(plain));
    });
  }

  it("leaves no multipart upload behind when the source fails mid-way", async () => {
    let reads = 0;
    const source = new Readable({
      read() {
        reads += 1;
        if (reads === 12) this.destroy(new Error("disk read failed"));
        else this.push(randomBytes(MiB));
      },
    });
    const s3 = recordingClient(aws.s3);
    await expect(
      encryptAndUpload({
        s3,
        bucket: aws.bucket,
        key: "broken.bak",
        source,
        keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
        format: "rds",
        partSize: 5 * MiB,
      }),
    ).rejects.toThrow(/disk read failed/);
    expect(s3.names()).toContain("CreateMultipartUpload");
    expect(s3.names()).toContain("UploadPart");
    expect(s3.names().at(-1)).toBe("AbortMultipartUpload");
    const list = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.bucket }));
    expect(list.Uploads ?? []).toEqual([]);
  });
});
