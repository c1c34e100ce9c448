/**
 * The verifier against moto_server: objects of every kind, classified; hand-broken metadata,
 * each reported; RDS readiness against real KMS key states; deep checks on the real .bak fixtures.
 *
 * moto notes (checked with this moto_server): SSE-S3 and SSE-KMS are reported on HeadObject
 * (SSE-KMS with the bare key id); DSSE-KMS is reported without its key id; SSE-C objects are
 * stored but HeadObject returns no SSE-C headers, so SSE-C classification is covered by the unit
 * tests on HeadObject output instead.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CreateKeyCommand,
  DisableKeyCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeContentMetadata } from "../../src/codec/decode.js";
import { splitForInstructionFile } from "../../src/codec/encode.js";
import { FindingCodes } from "../../src/inspect/findings.js";
import { verifyObject } from "../../src/inspect/verify-object.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import { RawAesKeyring } from "../../src/materials/raw-aes-keyring.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { encryptAndUploadFile } from "../../src/transfer/upload-file.js";
import { useTestAws } from "../support/fixtures.js";
import { writePolicyFor } from "../support/write-policy.js";

const aws = useTestAws();
const FULL = new URL("../../fixtures/bak/FullBackup.bak", import.meta.url).pathname;
const LOG = new URL("../../fixtures/bak/TransactionLogBackup.bak", import.meta.url).pathname;

beforeAll(async () => {
  const keyring = new KmsKeyring({ client: aws.kms, keyId: aws.keyArn });
  await encryptAndUploadFile({
    s3: aws.s3,
    bucket: aws.bucket,
    key: "full.bak",
    file: LOG,
    keyring,
    format: "rds",
  });
  for (const format of ["rds", "v2", "v3"] as WriteFormat[]) {
    await upload(`small-${format}`, format, randomBytes(1000));
  }
  const put = (Key: string, extra: object) =>
    aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key, Body: "plain", ...extra }));
  await put("sse-s3", { ServerSideEncryption: "AES256" });
  await put("sse-kms", { ServerSideEncryption: "aws:kms", SSEKMSKeyId: aws.keyId });
  await put("dsse-kms", { ServerSideEncryption: "aws:kms:dsse", SSEKMSKeyId: aws.keyId });
  await put("plain", {});
});

function upload(key: string, format: WriteFormat, body: Uint8Array, bucket = aws.bucket) {
  const keyring = new KmsKeyring({ client: aws.kms, keyId: aws.keyArn });
  return encryptAndUpload({
    s3: aws.s3,
    bucket,
    key,
    source: Readable.from([body]),
    contentLength: body.length,
    keyring,
    format,
    commitmentPolicy: writePolicyFor(format),
    objectParams: { ServerSideEncryption: "AES256" },
  });
}

async function getObject(key: string): Promise<{ body: Buffer; metadata: Record<string, string> }> {
  const out = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return { body: Buffer.from(await out.Body!.transformToByteArray()), metadata: out.Metadata ?? {} };
}

/** Copies `from` to `to` with its metadata (and optionally body) changed by hand. */
async function putBroken(
  from: string,
  to: string,
  meta: (m: Record<string, string>) => Record<string, string>,
  body: (b: Buffer) => Buffer = (b) => b,
): Promise<void> {
  const src = await getObject(from);
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: aws.bucket,
      Key: to,
      Body: body(src.body),
      Metadata: meta({ ...src.metadata }),
    }),
  );
}

const verify = (key: string, extra: Partial<Parameters<typeof verifyObject>[0]> = {}) =>
  verifyObject({ s3: aws.s3, kms: aws.kms, bucket: aws.bucket, key, ...extra });

const newKey = async (kms: KMSClient, extra: object = {}) =>
  (await kms.send(new CreateKeyCommand({ ...extra }))).KeyMetadata!.Arn!;
/** moto's DisableKey / ScheduleKeyDeletion accept a bare key id only. */
const idOf = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

describe("verifyObject against moto_server: classification", () => {
  it.each([
    ["small-rds", "v1", "SSE-S3"],
    ["small-v2", "v2", "SSE-S3"],
    ["small-v3", "v3", "SSE-S3"],
    ["full.bak", "v1", null],
    ["sse-s3", null, "SSE-S3"],
    ["sse-kms", null, "SSE-KMS"],
    ["dsse-kms", null, "DSSE-KMS"],
    ["plain", null, null],
  ])("classifies %s as client-side %s, server-side %s", async (key, clientSide, serverSide) => {
    const r = await verify(key);
    expect(r.encryption).toEqual({ clientSide, serverSide });
    expect(r.ok).toBe(clientSide !== null);
  });

  it("reports the SSE-KMS key id and the client-side details of an s3-cse V3 object", async () => {
    expect((await verify("sse-kms")).serverSide?.kmsKeyId).toBe(aws.keyId);
    const v3 = await verify("small-v3");
    expect(v3.clientSide).toMatchObject({
      wrapAlgorithm: "kms+context",
      encryptionContext: { "aws:x-amz-cek-alg": "115" },
      plaintextLength: 1000,
      ciphertextLength: 1016,
    });
    expect(v3.findings).toEqual([]);
  });

  it("classifies V2 metadata moved to an instruction file, and skips nothing it needs", async () => {
    const src = await getObject("small-v2");
    const { objectMetadata, instructionFile } = splitForInstructionFile(decodeContentMetadata(src.metadata));
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: "instr-v2", Body: src.body, Metadata: objectMetadata }),
    );
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: aws.bucket,
        Key: "instr-v2.instruction",
        Body: JSON.stringify(instructionFile),
        Metadata: { "x-amz-crypto-instr-file": "" },
      }),
    );
    const r = await verify("instr-v2", { deep: true });
    expect(r.clientSide).toMatchObject({ format: "v2", metadataLocation: "instruction-file" });
    expect(r.ok).toBe(true);
    expect(r.deep?.decrypted).toBe(true);
  });

  it("classifies the published vectors (Ruby V1 AES, Ruby V2 kms GCM, Go V3 kms+context) stored in moto", async () => {
    const vectors: [string, Record<string, string>, string, object][] = [
      [
        "vectors/ruby-v1",
        {
          "x-amz-key": "gX+a4JQYj7FP0y5TAAvxTz4e2l0DvOItbXByml/NPtKQcUlsoGHoYR/T0TuYHcNj",
          "x-amz-iv": "TO5mQgtOzWkTfoX4RE5tsA==",
          "x-amz-matdesc": "{}",
        },
        "JIgXCTXpeQerPLiU6dVL4Q==",
        { format: "v1", wrappedKeyLength: 48, v1WrapGuess: "aes", ciphertextLength: 16 },
      ],
      [
        "vectors/ruby-v2-kms-gcm",
        {
          "x-amz-wrap-alg": "kms",
          "x-amz-cek-alg": "AES/GCM/NoPadding",
          "x-amz-iv": "XujE1oWCO83rw1PU",
          "x-amz-key-v2": Buffer.from("encrypted-object-key").toString("base64"),
          "x-amz-matdesc": '{"kms_cmk_id":"kms-key-id"}',
          "x-amz-tag-len": "128",
        },
        "ZpPUtKX0PPupGaE0o7FbJw2Ov53MXfqenLA=",
        {
          format: "v2",
          wrapAlgorithm: "kms",
          ivLength: 12,
          plaintextLength: 10,
          encryptionContext: { kms_cmk_id: "kms-key-id" },
        },
      ],
      [
        "vectors/go-v3",
        {
          "x-amz-3": "8gSzlk7giyfFbLPUVgoVjvQebI1827jp8lDkO+n2chsiSoegx1sjm8NdPk0Bl70I",
          "x-amz-c": "115",
          "x-amz-d": "6JOSx47RkdyfciJkNauuC4RpkMcWZY4a+i1RzQ==",
          "x-amz-i": "sE9zLb4tsEBJkvEhLMZFxMj9oZJBbQ6ZOgOqHA==",
          "x-amz-t": '{"aws:x-amz-cek-alg":"115"}',
          "x-amz-w": "12",
        },
        Buffer.from(
          "2d4ff4dafe27f69f628872d82b5a1002ed1a21b8485d532bd8159f6487945b3641af5865fc0a029a3650053600c6d213625b9a0cc9c239577c09f3423dedc5641e88b6835824417c",
          "hex",
        ).toString("base64"),
        {
          format: "v3",
          wrapAlgorithm: "kms+context",
          messageIdLength: 28,
          commitmentLength: 28,
          plaintextLength: 56,
        },
      ],
    ];
    for (const [key, metadata, body, details] of vectors) {
      await aws.s3.send(
        new PutObjectCommand({
          Bucket: aws.bucket,
          Key: key,
          Body: Buffer.from(body, "base64"),
          Metadata: metadata,
        }),
      );
      const r = await verify(key);
      expect(r.ok, key).toBe(true);
      expect(
        r.findings.filter((f) => f.severity !== "info"),
        key,
      ).toEqual([]);
      expect(r.clientSide, key).toMatchObject(details);
    }
    // The Ruby V1 vector decrypts end to end through the deep check with its raw AES key.
    const kek = Buffer.from("kM5UVbhE/4rtMZJfsadYEdm2vaKFsmV2f5+URSeUCV4=", "base64");
    const dir = await mkdtemp(join(tmpdir(), "s3cse-verify-"));
    await writeFile(join(dir, "secret.txt"), "secret");
    const deep = await verify("vectors/ruby-v1", {
      keyring: new RawAesKeyring({ key: kek }),
      compareFile: join(dir, "secret.txt"),
    });
    await rm(dir, { recursive: true });
    expect(deep.deep).toMatchObject({ decrypted: true, plaintextBytes: 6, compare: { match: true } });
    expect(deep.ok).toBe(true);
  });

  it("reports the part count of a multipart upload", async () => {
    const keyring = new KmsKeyring({ client: aws.kms, keyId: aws.keyArn });
    const body = randomBytes(11 * 1024 * 1024);
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key: "multipart.bak",
      source: Readable.from([body]),
      contentLength: body.length,
      keyring,
      format: "rds",
      partSize: 5 * 1024 * 1024,
    });
    const r = await verify("multipart.bak");
    expect(r.clientSide).toMatchObject({ format: "v1", partCount: 3, plaintextLength: body.length });
    expect(r.ok).toBe(true);
  });

  it("reports an unreadable object as OBJECT_READ_FAILED", async () => {
    const r = await verify("does-not-exist");
    expect(r.ok).toBe(false);
    expect(r.findings.map((f) => f.code)).toEqual([FindingCodes.OBJECT_READ_FAILED]);
  });
});

const b64 = (n: number, fill = 7) => Buffer.alloc(n, fill).toString("base64");

describe("verifyObject against moto_server: hand-broken metadata", () => {
  /** [name, source object, metadata change, expected finding]; every one is an error except EXTRA_KEY. */
  const cases: [string, string, (m: Record<string, string>) => Record<string, string>, string][] = [
    [
      "mixed generations",
      "small-rds",
      (m) => ({ ...m, "x-amz-3": b64(184) }),
      FindingCodes.MIXED_GENERATIONS,
    ],
    ["missing x-amz-iv", "small-rds", ({ "x-amz-iv": _, ...m }) => m, FindingCodes.MISSING_KEY],
    ["extra x-amz-iv on V3", "small-v3", (m) => ({ ...m, "x-amz-iv": b64(12) }), FindingCodes.EXTRA_KEY],
    ["bad base64", "small-rds", (m) => ({ ...m, "x-amz-key": "***" }), FindingCodes.INVALID_BASE64],
    [
      "double base64",
      "small-rds",
      (m) => ({ ...m, "x-amz-iv": Buffer.from(m["x-amz-iv"]!).toString("base64") }),
      FindingCodes.DOUBLE_BASE64,
    ],
    ["wrong IV length", "small-v2", (m) => ({ ...m, "x-amz-iv": b64(16) }), FindingCodes.IV_LENGTH],
    ["tag-len 96", "small-v2", (m) => ({ ...m, "x-amz-tag-len": "96" }), FindingCodes.TAG_LENGTH],
    [
      "unknown cek-alg",
      "small-v2",
      (m) => ({ ...m, "x-amz-cek-alg": "AES/CTR/NoPadding" }),
      FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM,
    ],
    [
      "unknown wrap-alg",
      "small-v2",
      (m) => ({ ...m, "x-amz-wrap-alg": "kms2" }),
      FindingCodes.UNSUPPORTED_WRAP_ALGORITHM,
    ],
    ["short message id", "small-v3", (m) => ({ ...m, "x-amz-i": b64(20) }), FindingCodes.MESSAGE_ID_LENGTH],
    ["short commitment", "small-v3", (m) => ({ ...m, "x-amz-d": b64(20) }), FindingCodes.COMMITMENT_LENGTH],
    [
      "undecodable matdesc",
      "small-rds",
      (m) => ({ ...m, "x-amz-matdesc": "{x" }),
      FindingCodes.INVALID_MATDESC,
    ],
    [
      "double-encoded matdesc",
      "small-rds",
      (m) => ({ ...m, "x-amz-matdesc": '"{}"' }),
      FindingCodes.MATDESC_DOUBLE_ENCODED,
    ],
    [
      "context names another algorithm",
      "small-v3",
      (m) => ({ ...m, "x-amz-t": "{}" }),
      FindingCodes.CONTEXT_ALGORITHM_MISMATCH,
    ],
    [
      "bad plaintext length",
      "small-rds",
      (m) => ({ ...m, "x-amz-unencrypted-content-length": "1e3" }),
      FindingCodes.INVALID_UNENCRYPTED_LENGTH,
    ],
    [
      "length inconsistent with CBC",
      "small-rds",
      (m) => ({ ...m, "x-amz-unencrypted-content-length": "2000" }),
      FindingCodes.CIPHERTEXT_LENGTH,
    ],
    [
      "length inconsistent with GCM",
      "small-v2",
      (m) => ({ ...m, "x-amz-unencrypted-content-length": "999" }),
      FindingCodes.CIPHERTEXT_LENGTH,
    ],
    [
      "V3 core keys without x-amz-3 and no instruction file",
      "small-v3",
      ({ "x-amz-3": _, ...m }) => m,
      FindingCodes.INSTRUCTION_FILE_MISSING,
    ],
  ];

  it.each(cases)("reports %s", async (name, from, mutate, code) => {
    const key = `broken/${name.replaceAll(" ", "-")}`;
    await putBroken(from, key, mutate);
    const r = await verify(key);
    const hit = r.findings.find((f) => f.code === code);
    expect(hit, JSON.stringify(r.findings)).toBeDefined();
    const severity = code === FindingCodes.EXTRA_KEY ? "warning" : "error";
    expect(hit?.severity).toBe(severity);
    expect(r.ok).toBe(severity !== "error");
  });

  it("reports an RFC 2047 encoded matdesc (S3's encoding of non-ASCII metadata) as a warning", async () => {
    const word = `=?UTF-8?B?${Buffer.from("{}").toString("base64")}?=`;
    await putBroken("small-rds", "broken/rfc2047", (m) => ({ ...m, "x-amz-matdesc": word }));
    const r = await verify("broken/rfc2047");
    expect(r.findings.find((f) => f.code === FindingCodes.RFC2047_ENCODED)?.severity).toBe("warning");
    expect(r.ok).toBe(true);
  });

  it("reports a truncated body against the algorithm", async () => {
    await putBroken(
      "small-v3",
      "broken/truncated",
      (m) => m,
      (b) => b.subarray(0, 10),
    );
    expect((await verify("broken/truncated")).findings.map((f) => f.code)).toContain(
      FindingCodes.CIPHERTEXT_LENGTH,
    );
  });
});

describe("verifyObject against moto_server: RDS readiness", () => {
  it("passes an s3-cse rds upload of a real .bak against its key, with deep check and compare", async () => {
    const r = await verify("full.bak", { rds: { kmsKeyId: aws.keyArn }, deep: true, compareFile: LOG });
    expect(r.findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.rds).toEqual({
      bucketRegion: "us-east-1",
      key: { keyArn: aws.keyArn, keyRegion: "us-east-1", keySpec: "SYMMETRIC_DEFAULT", keyState: "Enabled" },
    });
    expect(r.deep).toMatchObject({
      decrypted: true,
      plaintextBytes: (await readFile(LOG)).length,
      backupHeader: { looksLikeBackup: true, softwareName: "Microsoft SQL Server" },
      compare: { match: true },
    });
  });

  it("fails V2/V3 objects for RDS, naming the RDS error", async () => {
    const r = await verify("small-v3", { rds: { kmsKeyId: aws.keyArn } });
    const f = r.findings.find((x) => x.code === FindingCodes.RDS_NOT_V1);
    expect(f?.rdsError).toBe("Object metadata (x-amz-key) incomplete");
    expect(r.ok).toBe(false);
  });

  it("fails a key that did not wrap x-amz-key", async () => {
    const other = await newKey(aws.kms);
    const r = await verify("small-rds", { rds: { kmsKeyId: other } });
    expect(r.findings.map((f) => f.code)).toEqual([
      FindingCodes.LEGACY_FORMAT,
      FindingCodes.RDS_KEY_UNWRAP_FAILED,
    ]);
  });

  it("fails a key that does not exist", async () => {
    const missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    const r = await verify("small-rds", { rds: { kmsKeyId: missing } });
    const f = r.findings.find((x) => x.code === FindingCodes.RDS_KEY_NOT_FOUND);
    expect(f?.rdsError).toContain("does not exist");
  });

  it("fails a disabled key, a key pending deletion and an asymmetric key", async () => {
    const disabled = await newKey(aws.kms);
    await aws.kms.send(new DisableKeyCommand({ KeyId: idOf(disabled) }));
    expect(
      (await verify("small-rds", { rds: { kmsKeyId: disabled } })).findings.map((f) => f.code),
    ).toContain(FindingCodes.RDS_KEY_DISABLED);
    const deleting = await newKey(aws.kms);
    await aws.kms.send(new ScheduleKeyDeletionCommand({ KeyId: idOf(deleting), PendingWindowInDays: 7 }));
    expect(
      (await verify("small-rds", { rds: { kmsKeyId: deleting } })).findings.map((f) => f.code),
    ).toContain(FindingCodes.RDS_KEY_DISABLED);
    const rsa = await newKey(aws.kms, { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
    expect((await verify("small-rds", { rds: { kmsKeyId: rsa } })).findings.map((f) => f.code)).toContain(
      FindingCodes.RDS_KEY_NOT_SYMMETRIC,
    );
  });

  it("fails a bucket in another region than the key", async () => {
    const bucket = `eu-${randomBytes(4).toString("hex")}`;
    await aws.s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    await upload("x.bak", "rds", randomBytes(100), bucket);
    const r = await verifyObject({
      s3: aws.s3,
      kms: aws.kms,
      bucket,
      key: "x.bak",
      rds: { kmsKeyId: aws.keyArn },
    });
    const f = r.findings.find((x) => x.code === FindingCodes.RDS_REGION_MISMATCH);
    expect(f?.message).toContain("us-east-1 but the bucket is in eu-west-1");
    expect(r.rds?.bucketRegion).toBe("eu-west-1");
  });
});

describe("verifyObject against moto_server: deep checks", () => {
  it("the decrypted head is a SQL Server backup (MTF TAPE block) when one is expected: error with --rds, info without", async () => {
    const withRds = await verify("small-rds", { rds: { kmsKeyId: aws.keyArn }, deep: true });
    const f = withRds.findings.find((x) => x.code === FindingCodes.NOT_A_SQL_SERVER_BACKUP);
    expect(f?.severity).toBe("error");
    expect(f?.rdsError).toContain("media family");
    const plain = await verify("small-v2", { deep: true });
    expect(plain.ok).toBe(true);
    expect(plain.findings.find((x) => x.code === FindingCodes.NOT_A_SQL_SERVER_BACKUP)?.severity).toBe(
      "info",
    );
  });

  it("with --compare, the plaintext SHA-256 equals the local file's", async () => {
    const r = await verify("full.bak", { deep: true, compareFile: FULL });
    expect(r.findings.map((f) => f.code)).toContain(FindingCodes.COMPARE_MISMATCH);
    expect(r.deep?.compare?.match).toBe(false);
  });

  it("reports a GCM tag failure, a V3 body swap and bad CBC padding as decryption failures", async () => {
    await putBroken(
      "small-v2",
      "deep/v2-flip",
      (m) => m,
      (b) => Buffer.from(b.map((x, i) => (i === 5 ? x ^ 1 : x))),
    );
    await putBroken(
      "small-v3",
      "deep/v3-swap",
      (m) => m,
      () => randomBytes(1016),
    );
    // Flipping a bit in the second-to-last block changes the last block's padding byte.
    await putBroken(
      "small-rds",
      "deep/cbc-pad",
      (m) => m,
      (b) => Buffer.from(b.map((x, i) => (i === b.length - 17 ? x ^ 0x20 : x))),
    );
    for (const key of ["deep/v2-flip", "deep/v3-swap", "deep/cbc-pad"]) {
      const r = await verify(key, { deep: true });
      expect(
        r.findings.map((f) => f.code),
        key,
      ).toContain(FindingCodes.DEEP_DECRYPT_FAILED);
      expect(r.deep?.decrypted).toBe(false);
    }
  });

  it("reports an unwrap failure when the deep-check key is not the object's", async () => {
    const other = await newKey(aws.kms);
    const r = await verify("small-v3", {
      deep: true,
      keyring: new KmsKeyring({ client: aws.kms, keyId: other }),
    });
    expect(r.findings.map((f) => f.code)).toContain(FindingCodes.DEEP_UNWRAP_FAILED);
  });
});
