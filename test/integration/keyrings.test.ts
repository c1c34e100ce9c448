import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import type { Keyring } from "../../src/materials/keyring.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { RawAesKeyring } from "../../src/materials/raw-aes-keyring.js";
import { RawRsaKeyring } from "../../src/materials/raw-rsa-keyring.js";
import { downloadToFile } from "../../src/transfer/download.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { useTempDir, useTestAws } from "../support/fixtures.js";
import { cbcObject, gcmObject } from "../support/legacy-objects.js";
import { aesEcbWrap, aesKeyWrap, rsaPkcs1Wrap } from "../support/legacy-writers.js";
import { writePolicyFor } from "../support/write-policy.js";

const aws = useTestAws();
const dir = useTempDir("s3cse-keyrings-");
const kek = randomBytes(32);
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const keyrings: Record<string, () => Keyring> = {
  "KMS alias": () => new KmsKeyring({ client: aws.kms, keyId: aws.aliasName }),
  "raw AES": () => new RawAesKeyring({ key: kek }),
  "raw RSA": () => new RawRsaKeyring({ publicKey: rsa.publicKey, privateKey: rsa.privateKey }),
};

async function download(
  key: string,
  keyring: Keyring,
  options: Record<string, unknown> = {},
): Promise<Buffer> {
  const file = join(dir, key.replaceAll("/", "_"));
  await downloadToFile({ s3: aws.s3, bucket: aws.bucket, key, file, keyring, ...options });
  return readFile(file);
}

describe("every keyring through upload and download on moto_server", () => {
  for (const [name, make] of Object.entries(keyrings)) {
    for (const format of ["v3", "v2"] as const) {
      it(`${name}: ${format} round trip`, async () => {
        const plain = randomBytes(4099);
        const key = `keyrings/${name}/${format}`;
        await encryptAndUpload({
          s3: aws.s3,
          bucket: aws.bucket,
          key,
          source: Readable.from([plain]),
          keyring: make(),
          format,
          commitmentPolicy: writePolicyFor(format),
        });
        const opts = format === "v2" ? { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" } : {};
        expect((await download(key, make(), opts)).equals(plain)).toBe(true);
      });
    }
  }

  const legacy: [
    string,
    () => Keyring,
    (dk: Buffer, p: Buffer) => { metadata: Record<string, string>; body: Buffer },
  ][] = [
    [
      "V1 AES-ECB",
      keyrings["raw AES"]!,
      (dk, p) =>
        cbcObject(dk, p, { "x-amz-key": aesEcbWrap(kek, dk).toString("base64"), "x-amz-matdesc": "{}" }),
    ],
    [
      "V1 RSA",
      keyrings["raw RSA"]!,
      (dk, p) =>
        cbcObject(dk, p, {
          "x-amz-key": rsaPkcs1Wrap(rsa.publicKey, dk).toString("base64"),
          "x-amz-matdesc": "{}",
        }),
    ],
    [
      "V2 AESWrap",
      keyrings["raw AES"]!,
      (dk, p) =>
        gcmObject(dk, p, {
          "x-amz-key-v2": aesKeyWrap(kek, dk).toString("base64"),
          "x-amz-wrap-alg": "AESWrap",
          "x-amz-matdesc": "{}",
        }),
    ],
  ];
  for (const [name, make, build] of legacy) {
    it(`${name} objects read with --allow-legacy only`, async () => {
      const plain = randomBytes(777);
      const obj = build(randomBytes(32), plain);
      const key = `keyrings/legacy/${name}`;
      await aws.s3.send(
        new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: obj.body, Metadata: obj.metadata }),
      );
      await expect(download(key, make())).rejects.toMatchObject({
        code: expect.stringMatching(
          new RegExp(`${ErrorCodes.LEGACY_MODE_REQUIRED}|${ErrorCodes.COMMITMENT_POLICY}`),
        ),
        message: expect.stringMatching(/--allow-legacy|--commitment-policy/),
      });
      expect((await download(key, make(), { allowLegacy: true })).equals(plain)).toBe(true);
    });
  }

  it("a V1 AES object whose metadata is in <key>.instruction (Ruby V1 instruction-file mode) reads back", async () => {
    const plain = randomBytes(500);
    const dk = randomBytes(32);
    const obj = cbcObject(dk, plain, {
      "x-amz-key": aesEcbWrap(kek, dk).toString("base64"),
      "x-amz-matdesc": "{}",
    });
    const key = "keyrings/legacy/v1-instruction";
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: aws.bucket,
        Key: key,
        Body: obj.body,
        Metadata: { "x-amz-unencrypted-content-length": "500" },
      }),
    );
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: aws.bucket,
        Key: `${key}.instruction`,
        Body: JSON.stringify(obj.metadata),
        Metadata: { "x-amz-crypto-instr-file": "" },
      }),
    );
    expect((await download(key, keyrings["raw AES"]!(), { allowLegacy: true })).equals(plain)).toBe(true);
  });
});
