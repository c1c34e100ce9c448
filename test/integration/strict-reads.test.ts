/**
 * Reads as strict as the official v4 clients (issue 9), against moto_server's S3 and KMS:
 * V3 commitment keys only in an instruction file, caller contexts on legacy kms/V1 wraps,
 * relabelled kms+context keys, and oversized instruction files.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { FindingCodes } from "../../src/inspect/findings.js";
import { verifyObject } from "../../src/inspect/verify-object.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { MAX_INSTRUCTION_FILE_BYTES } from "../../src/transfer/object-metadata.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { useTestAws } from "../support/fixtures.js";
import { cbcObject, gcmObject } from "../support/legacy-objects.js";

const aws = useTestAws();
let keyring: KmsKeyring;
beforeAll(async () => {
  keyring = new KmsKeyring({ client: aws.kms, keyId: aws.keyId });
});

async function readAll(
  key: string,
  options: { allowLegacy?: boolean; encryptionContext?: Record<string, string> },
) {
  const { stream } = await openDecryptedStream({ s3: aws.s3, bucket: aws.bucket, key, keyring, ...options });
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );

async function put(key: string, body: Buffer | string, metadata: Record<string, string> = {}) {
  await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body, Metadata: metadata }));
}

/** A data key from moto's KMS under `context`, as a writer of that context would get it. */
async function kmsDataKey(context: Record<string, string>) {
  const out = await aws.kms.send(
    new GenerateDataKeyCommand({
      KeyId: aws.keyId,
      KeySpec: "AES_256",
      ...(Object.keys(context).length ? { EncryptionContext: context } : {}),
    }),
  );
  return { dataKey: Buffer.from(out.Plaintext!), blob: Buffer.from(out.CiphertextBlob!).toString("base64") };
}

/** A body that pulls from `inner` only as it is read (one chunk ahead at most), counting bytes. */
function counted(inner: Readable, onBytes: (n: number) => void): Readable {
  async function* pull() {
    for await (const c of inner) {
      onBytes((c as Buffer).length);
      yield c as Buffer;
    }
  }
  const out = Readable.from(pull(), { objectMode: false, highWaterMark: 1 });
  out.on("close", () => inner.destroy());
  return out;
}

describe("strict reads against moto_server", () => {
  it("a V3 object whose x-amz-c/d/i sit only in its instruction file is refused (INSTRUCTION_FILE_FORBIDDEN_KEYS)", async () => {
    const plain = randomBytes(300);
    const key = "strict/v3-all-in-instruction";
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      source: Readable.from([plain]),
      keyring,
      format: "v3",
    });
    const { Metadata } = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
    // Move every S3EC key, commitment included, into <key>.instruction; the object keeps none.
    const body = (await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }))).Body!;
    await put(key, Buffer.from(await body.transformToByteArray()));
    await put(`${key}.instruction`, JSON.stringify(Metadata), { "x-amz-crypto-instr-file": "" });

    const err = await failure(readAll(key, {}));
    expect(err).toMatchObject({ code: ErrorCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS });
    expect(err?.message).toMatch(/x-amz-c, x-amz-d, x-amz-i/);

    const verdict = await verifyObject({ s3: aws.s3, bucket: aws.bucket, key });
    expect(verdict.ok).toBe(false);
    expect(verdict.findings.map((f) => f.code)).toContain(FindingCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS);
  });

  it("a kms+context object relabelled kms is refused with allowLegacy, whatever context the caller expects", async () => {
    const context = { team: "db", "aws:x-amz-cek-alg": "AES/GCM/NoPadding" };
    const { dataKey, blob } = await kmsDataKey(context);
    const plain = Buffer.from("relabelled kms+context object");
    const built = gcmObject(dataKey, plain, {
      "x-amz-key-v2": blob,
      "x-amz-wrap-alg": "kms",
      "x-amz-matdesc": JSON.stringify(context),
    });
    const key = "strict/relabelled-kms";
    await put(key, built.body, built.metadata);
    const contexts: Record<string, string>[] = [{}, { team: "db" }, { team: "web" }];
    for (const encryptionContext of contexts) {
      const err = await failure(readAll(key, { allowLegacy: true, encryptionContext }));
      expect(err).toMatchObject({ code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH });
    }
    // The untouched kms+context object reads with its context and only with it.
    await put(key, built.body, { ...built.metadata, "x-amz-wrap-alg": "kms+context" });
    expect((await readAll(key, { allowLegacy: true, encryptionContext: { team: "db" } })).equals(plain)).toBe(
      true,
    );
    expect(
      await failure(readAll(key, { allowLegacy: true, encryptionContext: { team: "web" } })),
    ).toMatchObject({
      code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH,
    });
  });

  it("a caller context on a V1 (rds) or legacy kms object is refused, not ignored", async () => {
    const plain = Buffer.from("rds backup bytes");
    const v1 = await kmsDataKey({});
    const rds = cbcObject(v1.dataKey, plain, { "x-amz-key": v1.blob, "x-amz-matdesc": "{}" });
    await put("strict/v1", rds.body, rds.metadata);
    const cmk = { kms_cmk_id: aws.keyId };
    const legacy = await kmsDataKey(cmk);
    const v2 = cbcObject(legacy.dataKey, plain, {
      "x-amz-key-v2": legacy.blob,
      "x-amz-wrap-alg": "kms",
      "x-amz-matdesc": JSON.stringify(cmk),
    });
    await put("strict/v2-kms", v2.body, v2.metadata);
    for (const key of ["strict/v1", "strict/v2-kms"]) {
      expect((await readAll(key, { allowLegacy: true })).equals(plain)).toBe(true);
      const err = await failure(readAll(key, { allowLegacy: true, encryptionContext: { team: "db" } }));
      expect(err).toMatchObject({ code: ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH });
    }
  });

  it("Precondition: an instruction file is at most 64 KiB (by its Content-Length, before reading the body)", async () => {
    const key = "strict/huge-instruction";
    await put(key, Buffer.alloc(16));
    const huge = JSON.stringify({
      "x-amz-key": "A".repeat(200 * 1024),
      "x-amz-iv": "AAAAAAAAAAAAAAAAAAAAAA==",
    });
    await put(`${key}.instruction`, huge, { "x-amz-crypto-instr-file": "" });
    let pulled = 0;
    const counting = {
      // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
      send: async (command: any, options?: any) => {
        // biome-ignore lint/suspicious/noExplicitAny: SDK output.
        const out: any = await aws.s3.send(command, options);
        if (command instanceof GetObjectCommand && command.input.Key?.endsWith(".instruction")) {
          out.Body = counted(out.Body as Readable, (n) => {
            pulled += n;
          });
        }
        return out;
      },
    };
    const err = await failure(
      openDecryptedStream({ s3: counting, bucket: aws.bucket, key, keyring, allowLegacy: true }),
    );
    expect(err).toMatchObject({ code: ErrorCodes.INSTRUCTION_FILE_TOO_LARGE });
    expect(err?.message).toContain(`${Buffer.byteLength(huge)} bytes`);
    expect(pulled).toBe(0);

    const verdict = await verifyObject({ s3: aws.s3, bucket: aws.bucket, key });
    expect(verdict.findings.map((f) => f.code)).toContain(FindingCodes.INSTRUCTION_FILE_INVALID);
  });

  it("Precondition: an instruction file is at most 64 KiB (a streamed body is read no further than that) — without a Content-Length", async () => {
    const key = "strict/huge-instruction-unsized";
    await put(key, Buffer.alloc(16));
    await put(`${key}.instruction`, "x".repeat(1024 * 1024), { "x-amz-crypto-instr-file": "" });
    let pulled = 0;
    const unsized = {
      // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
      send: async (command: any, options?: any) => {
        // biome-ignore lint/suspicious/noExplicitAny: SDK output.
        const out: any = await aws.s3.send(command, options);
        if (command instanceof GetObjectCommand && command.input.Key?.endsWith(".instruction")) {
          delete out.ContentLength;
          out.Body = counted(out.Body as Readable, (n) => {
            pulled += n;
          });
        }
        return out;
      },
    };
    const err = await failure(
      openDecryptedStream({ s3: unsized, bucket: aws.bucket, key, keyring, allowLegacy: true }),
    );
    expect(err).toMatchObject({ code: ErrorCodes.INSTRUCTION_FILE_TOO_LARGE });
    // Node streams deliver ≤ 64 KiB chunks: at most one chunk past the limit is pulled, not the megabyte.
    expect(pulled).toBeLessThanOrEqual(2 * MAX_INSTRUCTION_FILE_BYTES + 1);
  });

  it("an instruction file of exactly 64 KiB is still read", async () => {
    const key = "strict/instruction-at-limit";
    const plain = Buffer.from("at the limit");
    const v1 = await kmsDataKey({});
    const obj = cbcObject(v1.dataKey, plain, { "x-amz-key": v1.blob, "x-amz-matdesc": "{}" });
    await put(key, obj.body);
    // Padded with JSON whitespace: an entry outside the S3EC vocabulary would be refused on its own.
    const compact = JSON.stringify(obj.metadata);
    const json = `${compact.slice(0, -1)}${" ".repeat(MAX_INSTRUCTION_FILE_BYTES - Buffer.byteLength(compact))}}`;
    expect(Buffer.byteLength(json)).toBe(MAX_INSTRUCTION_FILE_BYTES);
    await put(`${key}.instruction`, json, { "x-amz-crypto-instr-file": "" });
    expect((await readAll(key, { allowLegacy: true })).equals(plain)).toBe(true);
  });
});
