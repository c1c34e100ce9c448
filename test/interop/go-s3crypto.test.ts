/**
 * aws-sdk-go v1 `s3crypto` (Debian golang-github-aws-aws-sdk-go-dev 1.44) and s3-cse, both
 * directions: the V2 client's kms+context GCM, and the V1 client's legacy `kms` wrap with CBC and GCM.
 */
import { describe, expect, test } from "vitest";
import { KmsKeyring } from "../../src/index.js";
import { MULTIPART, useInteropFixture } from "./support/fixture.js";
import { buildGoDriver, type GoRequest, goDriver, goDriverOk } from "./support/go.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { objectBody, s3cseDownload, s3cseUpload, userMetadata } from "./support/s3cse.js";

const CONTEXT = { dataset: "interop", owner: "go" };
const SIZES = [0, 17, 2 * 1024 * 1024 + 3] as const;

failEveryTestUnless(buildGoDriver);

const fx = useInteropFixture(120_000);

const refFor = (key: string) => ({ s3: fx.aws.s3, bucket: fx.aws.bucket, key });
const goReq = (
  key: string,
  rest: Pick<GoRequest, "op" | "client" | "file"> & Partial<GoRequest>,
): GoRequest => ({
  endpoint: fx.aws.moto.endpoint,
  bucket: fx.aws.bucket,
  key,
  kmsKeyId: fx.aws.keyId,
  ...rest,
});
const keyring = () => new KmsKeyring({ client: fx.aws.kms, keyId: fx.aws.keyId });

describe("Go EncryptionClientV2 writes kms+context GCM, s3-cse reads", () => {
  test.each(SIZES)("%i-byte object decrypts byte-exact with the same context", async (size) => {
    const p = fx.plaintext(size);
    const key = `go-v2-${size}`;
    await goDriverOk(goReq(key, { op: "put", client: "v2", file: p.file, context: CONTEXT }));
    const meta = await userMetadata(refFor(key));
    expect(Object.keys(meta).sort()).toEqual([
      "x-amz-cek-alg",
      "x-amz-iv",
      "x-amz-key-v2",
      "x-amz-matdesc",
      "x-amz-tag-len",
      "x-amz-unencrypted-content-length",
      "x-amz-wrap-alg",
    ]);
    expect(meta).toMatchObject({
      "x-amz-wrap-alg": "kms+context",
      "x-amz-cek-alg": "AES/GCM/NoPadding",
      "x-amz-tag-len": "128",
      "x-amz-unencrypted-content-length": String(size),
    });
    expect(JSON.parse(meta["x-amz-matdesc"]!)).toEqual({
      "aws:x-amz-cek-alg": "AES/GCM/NoPadding",
      ...CONTEXT,
    });
    expect(Buffer.from(meta["x-amz-iv"]!, "base64")).toHaveLength(12);
    expect((await objectBody(refFor(key))).length).toBe(size + 16);
    const got = await s3cseDownload(refFor(key), {
      keyring: keyring(),
      file: fx.outFile(`${key}.out`),
      context: CONTEXT,
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
    });
    expect(got).toMatchObject({ format: "v2", bytes: size, sha256: p.sha256 });
  });
});

describe("Go EncryptionClient (V1 client) writes legacy kms wrap, s3-cse reads with the legacy flag", () => {
  test.each([
    ["v1-cbc", "AES/CBC/PKCS5Padding", 16, (n: number) => 16 * (Math.floor(n / 16) + 1)],
    ["v1-gcm", "AES/GCM/NoPadding", 12, (n: number) => n + 16],
  ] as const)(
    "%s: %s object decrypts byte-exact; refused without --allow-legacy",
    async (client, cekAlg, ivLength, bodyLength) => {
      for (const size of SIZES) {
        const p = fx.plaintext(size);
        const key = `go-${client}-${size}`;
        await goDriverOk(goReq(key, { op: "put", client, file: p.file }));
        const meta = await userMetadata(refFor(key));
        expect(Object.keys(meta).sort()).toEqual(
          [
            "x-amz-cek-alg",
            "x-amz-iv",
            "x-amz-key-v2",
            "x-amz-matdesc",
            ...(cekAlg.includes("GCM") ? ["x-amz-tag-len"] : []),
            "x-amz-unencrypted-content-length",
            "x-amz-wrap-alg",
          ].sort(),
        );
        expect(meta).toMatchObject({ "x-amz-wrap-alg": "kms", "x-amz-cek-alg": cekAlg });
        expect(JSON.parse(meta["x-amz-matdesc"]!)).toEqual({ kms_cmk_id: fx.aws.keyId });
        expect(Buffer.from(meta["x-amz-iv"]!, "base64")).toHaveLength(ivLength);
        expect((await objectBody(refFor(key))).length).toBe(bodyLength(size));

        const file = fx.outFile(`${key}.out`);
        await expect(
          s3cseDownload(refFor(key), {
            keyring: keyring(),
            file,
            commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
          }),
        ).rejects.toMatchObject({ code: "LEGACY_MODE_REQUIRED" });
        const got = await s3cseDownload(refFor(key), { keyring: keyring(), file, allowLegacy: true });
        expect(got).toMatchObject({ contentAlgorithm: cekAlg, bytes: size, sha256: p.sha256 });
      }
    },
  );
});

describe("Go clients with S3SaveStrategy (envelope in <key>.instruction), s3-cse reads", () => {
  test.each([
    ["v2", "AES/GCM/NoPadding", "128"],
    ["v1-cbc", "AES/CBC/PKCS5Padding", ""],
    ["v1-gcm", "AES/GCM/NoPadding", "128"],
  ] as const)(
    "%s: %s object with an instruction file decrypts byte-exact",
    async (client, cekAlg, tagLen) => {
      const p = fx.plaintext(1000);
      const key = `go-instr-${client}`;
      const v2 = client === "v2";
      await goDriverOk(
        goReq(key, {
          op: "put",
          client,
          file: p.file,
          instructionFile: true,
          ...(v2 ? { context: CONTEXT } : {}),
        }),
      );
      expect(await userMetadata(refFor(key))).toEqual({});
      const instructionRef = refFor(`${key}.instruction`);
      expect(await userMetadata(instructionRef)).toEqual({});
      const instruction = JSON.parse((await objectBody(instructionRef)).toString("utf8"));
      expect(Object.keys(instruction).sort()).toEqual([
        "x-amz-cek-alg",
        "x-amz-iv",
        "x-amz-key-v2",
        "x-amz-matdesc",
        "x-amz-tag-len",
        "x-amz-unencrypted-content-length",
        "x-amz-wrap-alg",
      ]);
      expect(instruction).toMatchObject({
        "x-amz-cek-alg": cekAlg,
        "x-amz-tag-len": tagLen,
        "x-amz-wrap-alg": v2 ? "kms+context" : "kms",
        "x-amz-unencrypted-content-length": "1000",
      });
      const got = await s3cseDownload(refFor(key), {
        keyring: keyring(),
        file: fx.outFile(`${key}.out`),
        ...(v2
          ? { context: CONTEXT, commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const }
          : { allowLegacy: true }),
      });
      expect(got).toMatchObject({ contentAlgorithm: cekAlg, bytes: 1000, sha256: p.sha256 });
    },
  );
});

describe("s3-cse writes, Go DecryptionClientV2 reads", () => {
  test.each(SIZES)("%i-byte V2 kms+context object decrypts byte-exact in Go", async (size) => {
    const p = fx.plaintext(size);
    const key = `s3cse-v2-go-${size}`;
    await s3cseUpload(refFor(key), { keyring: keyring(), format: "v2", file: p.file, context: CONTEXT });
    const got = await goDriverOk(goReq(key, { op: "get", client: "v2", file: fx.outFile(`${key}.out`) }));
    expect(got).toMatchObject({ bytes: size, sha256: p.sha256 });
  });

  test(`a ${MULTIPART.size}-byte multipart upload (5 MiB parts) decrypts byte-exact in Go`, async () => {
    const p = fx.plaintext(MULTIPART.size);
    const key = "s3cse-v2-go-multipart";
    const up = await s3cseUpload(refFor(key), {
      keyring: keyring(),
      format: "v2",
      file: p.file,
      context: CONTEXT,
      partSize: MULTIPART.partSize,
    });
    expect(up.parts).toBe(MULTIPART.parts);
    const got = await goDriverOk(goReq(key, { op: "get", client: "v2", file: fx.outFile(`${key}.out`) }));
    expect(got).toMatchObject({ bytes: MULTIPART.size, sha256: p.sha256 });
  });

  test("Go refuses the RDS V1 format with V1NotSupportedError", async () => {
    const p = fx.plaintext(64);
    const key = "s3cse-rds-go";
    await s3cseUpload(refFor(key), { keyring: keyring(), format: "rds", file: p.file });
    const got = await goDriver(goReq(key, { op: "get", client: "v2", file: fx.outFile(`${key}.out`) }));
    expect(got.ok).toBe(false);
    expect(got.message).toMatch(/V1NotSupportedError/);
  });

  test("Go 1.44 cannot read V3: it falls back to <key>.instruction, which does not exist", async () => {
    const p = fx.plaintext(100);
    const key = "s3cse-v3-go";
    await s3cseUpload(refFor(key), { keyring: keyring(), format: "v3", file: p.file });
    const got = await goDriver(goReq(key, { op: "get", client: "v2", file: fx.outFile(`${key}.out`) }));
    expect(got.ok).toBe(false);
    expect(got.message).toMatch(/^NoSuchKey/);
  });
});
