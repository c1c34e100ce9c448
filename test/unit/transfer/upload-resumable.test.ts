import { createCipheriv, createHash } from "node:crypto";
import { readFileSync, utimesSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContentEncryptor } from "../../../src/ciphers/content-cipher.js";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { ErrorCodes } from "../../../src/errors.js";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../../src/materials/materials.js";
import { MiB } from "../../../src/transfer/part-size.js";
import { encryptAndUpload } from "../../../src/transfer/upload.js";
import { readCheckpoint } from "../../../src/transfer/upload-checkpoint.js";
import { encryptAndUploadFile } from "../../../src/transfer/upload-file.js";
import { abortCheckpointedUpload } from "../../../src/transfer/upload-resumable.js";
import { awsError, fakeKms } from "../../support/fake-kms.js";
import { type MemoryS3, memoryS3 } from "../../support/memory-s3.js";
import { writePolicyFor } from "../../support/write-policy.js";

const PART = 5 * MiB;
/** Seeded bytes: the AES-128-CTR keystream of a fixed key. */
function seeded(n: number, seed: number): Buffer {
  const key = createHash("sha256").update(String(seed)).digest().subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(n));
}
const DATA_KEY = seeded(32, 99);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3cse-resume-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function sourceFile(
  size = 3 * PART + 12_345,
): Promise<{ file: string; data: Buffer; checkpoint: string }> {
  n += 1;
  const file = join(dir, `src-${n}.bak`);
  const data = seeded(size, n);
  await writeFile(file, data);
  // A whole-second mtime, so a test can put it back exactly (utimes takes seconds, not nanoseconds).
  utimesSync(file, 1_700_000_000, 1_700_000_000);
  return { file, data, checkpoint: `${file}.s3cse-upload.json` };
}

const failPart = (k: number) => (name: string, input: Record<string, unknown>) =>
  name === "UploadPart" && input.PartNumber === k ? awsError("InternalError", "injected", 500) : undefined;

function upload(
  s3: MemoryS3,
  file: string,
  format: WriteFormat,
  extra: Partial<Parameters<typeof encryptAndUploadFile>[0]> = {},
) {
  return encryptAndUploadFile({
    s3,
    bucket: "b",
    key: "k.bak",
    file,
    keyring: new KmsKeyring({ client: fakeKms(DATA_KEY).kms, keyId: "alias/backups" }),
    format,
    commitmentPolicy: writePolicyFor(format),
    partSize: PART,
    concurrency: 1,
    checkpoint: {},
    ...extra,
  });
}

/** What an uninterrupted upload with the same data key and IV / message id stores. */
function expectedCiphertext(
  data: Buffer,
  metadata: Record<string, string>,
  instruction?: Record<string, string>,
) {
  const cm = decodeContentMetadata(metadata, instruction);
  const key =
    cm.format === "v3"
      ? { suite: cm.suite, dataKey: DATA_KEY, messageId: cm.messageId }
      : { suite: cm.suite, dataKey: DATA_KEY, iv: cm.iv };
  const enc = createContentEncryptor(key);
  return Buffer.concat([enc.update(data), enc.final()]);
}

describe("resumable encrypted multipart upload (in-memory S3, injected data key)", () => {
  for (const format of ["rds", "v2", "v3"] as const) {
    it(`${format}: interrupted at part 3, resumed: only the missing parts are sent, and the object is byte-identical to an uninterrupted upload with the same data key`, async () => {
      const { file, data, checkpoint } = await sourceFile();
      let failing = true;
      const s3 = memoryS3({ failWhen: (name, input) => (failing ? failPart(3)(name, input) : undefined) });
      const err = await upload(s3, file, format).catch((e) => e);
      expect(err).toMatchObject({ code: ErrorCodes.S3_FAILURE });
      // Kept, not aborted: the upload and its checkpoint (two parts recorded) stay.
      expect(s3.count("AbortMultipartUpload")).toBe(0);
      expect(s3.uploads.size).toBe(1);
      const cp = (await readCheckpoint(checkpoint))!;
      expect(cp.parts.map((p) => p.partNumber)).toEqual([1, 2]);
      expect(cp).toMatchObject({ bucket: "b", key: "k.bak", format, partSize: PART, placement: "object" });
      // The wrapped key as stored, never the plaintext one.
      const text = readFileSync(checkpoint, "utf8");
      expect(text).not.toContain(DATA_KEY.toString("base64"));
      expect(text).not.toContain(DATA_KEY.toString("hex"));
      expect(cp.metadata.objectMetadata).toEqual(s3.uploads.get(cp.uploadId)!.metadata);

      failing = false;
      const sentBefore = s3.count("UploadPart");
      const result = await upload(s3, file, format);
      expect(s3.count("UploadPart") - sentBefore).toBe(2); // parts 3 and 4 only
      expect(s3.count("CreateMultipartUpload")).toBe(1);
      expect(s3.count("ListParts")).toBe(1);
      expect(result).toMatchObject({ parts: 4, bytes: data.length });
      const stored = s3.objects.get("k.bak")!;
      expect(stored.body.equals(expectedCiphertext(data, stored.metadata))).toBe(true);
      expect(result.ciphertextBytes).toBe(stored.body.length);
      expect(await readCheckpoint(checkpoint)).toBeUndefined();
    });
  }

  it("v2 with the metadata in an instruction file: resumed, the instruction file written once at the end", async () => {
    const { file, data, checkpoint } = await sourceFile();
    let failing = true;
    const s3 = memoryS3({ failWhen: (name, input) => (failing ? failPart(2)(name, input) : undefined) });
    await expect(upload(s3, file, "v2", { metadataPlacement: "instruction-file" })).rejects.toThrow();
    expect(s3.count("PutObject")).toBe(0);
    const cp = (await readCheckpoint(checkpoint))!;
    expect(cp.placement).toBe("instruction-file");
    expect(cp.metadata.instructionFile).toBeDefined();
    failing = false;
    await upload(s3, file, "v2", { metadataPlacement: "instruction-file" });
    const instruction = JSON.parse(s3.objects.get("k.bak.instruction")!.body.toString());
    const stored = s3.objects.get("k.bak")!;
    expect(stored.body.equals(expectedCiphertext(data, stored.metadata, instruction))).toBe(true);
    expect(await readCheckpoint(checkpoint)).toBeUndefined();
  });

  it("parts completed out of order (concurrency 3, part 2 failed): every missing part is sent, none twice", async () => {
    const { file, data, checkpoint } = await sourceFile(5 * PART + 7);
    let failing = true;
    const s3 = memoryS3({ failWhen: (name, input) => (failing ? failPart(2)(name, input) : undefined) });
    await expect(upload(s3, file, "v3", { concurrency: 3 })).rejects.toThrow();
    const recorded = (await readCheckpoint(checkpoint))!.parts.map((p) => p.partNumber);
    expect(recorded).not.toContain(2);
    failing = false;
    const before = s3.count("UploadPart");
    await upload(s3, file, "v3", { concurrency: 3 });
    expect(s3.count("UploadPart") - before).toBe(6 - recorded.length);
    const stored = s3.objects.get("k.bak")!;
    expect(stored.body.equals(expectedCiphertext(data, stored.metadata))).toBe(true);
  });

  it("ListParts is read page by page", async () => {
    const { file, data } = await sourceFile(4 * PART + 1);
    let failing = true;
    const s3 = memoryS3({
      pageSize: 1,
      failWhen: (name, input) => (failing ? failPart(4)(name, input) : undefined),
    });
    await expect(upload(s3, file, "rds")).rejects.toThrow();
    failing = false;
    await upload(s3, file, "rds");
    expect(s3.count("ListParts")).toBe(3);
    const stored = s3.objects.get("k.bak")!;
    expect(stored.body.equals(expectedCiphertext(data, stored.metadata))).toBe(true);
  });

  async function interrupted(format: WriteFormat = "rds") {
    const src = await sourceFile();
    let failing = true;
    const s3 = memoryS3({ failWhen: (name, input) => (failing ? failPart(3)(name, input) : undefined) });
    await expect(upload(s3, src.file, format)).rejects.toThrow();
    failing = false;
    return { ...src, s3 };
  }

  it("Precondition: the source is the file the checkpoint was written for, unchanged (size, mtime, inode) — mtime", async () => {
    const { file, s3 } = await interrupted();
    utimesSync(file, 1_700_000_000, 1_700_000_005);
    const before = s3.sent.length;
    const err = await upload(s3, file, "rds").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.SOURCE_CHANGED });
    expect(err.message).toMatch(/mtime/);
    expect(s3.sent.slice(before)).toEqual([]); // nothing sent
    expect(s3.uploads.size).toBe(1); // the user decides (abort-upload)
  });

  it("Precondition: a part rebuilt from the source has the size and CRC32 of the part uploaded before", async () => {
    const { file, s3, checkpoint } = await interrupted();
    // Same size, same inode, mtime put back: only the rebuilt part's CRC32 tells.
    const bytes = readFileSync(file);
    bytes[100]! ^= 1;
    writeFileSync(file, bytes);
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const err = await upload(s3, file, "rds").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.SOURCE_CHANGED });
    expect(err.message).toMatch(/part 1 rebuilt/);
    expect(err.message).toContain(`s3-cse abort-upload --checkpoint ${checkpoint} and upload again`);
    expect(s3.count("CompleteMultipartUpload")).toBe(0);
    expect(await readCheckpoint(checkpoint)).toBeDefined();
  });

  it("Precondition: the multipart upload a checkpoint names still exists", async () => {
    const { file, s3, checkpoint } = await interrupted();
    s3.uploads.clear(); // aborted elsewhere, or expired by a lifecycle rule
    const err = await upload(s3, file, "rds").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.UPLOAD_NOT_FOUND });
    expect(err.message).toContain(checkpoint);
  });

  it("Precondition: a checkpoint is resumed only for its own bucket, key, format, metadata placement and part size", async () => {
    const { file, s3 } = await interrupted("v3");
    for (const extra of [{ key: "other.bak" }, { bucket: "other" }, { partSize: 2 * PART }]) {
      const err = await upload(s3, file, "v3", extra).catch((e) => e);
      expect(err).toMatchObject({ code: ErrorCodes.CHECKPOINT_MISMATCH });
    }
    const err = await upload(s3, file, "v2").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.CHECKPOINT_MISMATCH });
    expect(err.message).toMatch(/--format v3/);
    const placed = await upload(s3, file, "v3", { metadataPlacement: "instruction-file" }).catch((e) => e);
    expect(placed).toMatchObject({ code: ErrorCodes.CHECKPOINT_MISMATCH });
    expect(s3.count("UploadPart")).toBe(3); // nothing sent by the refused attempts
  });

  it("Precondition: every part the checkpoint records is in S3 with the same ETag, size and CRC32", async () => {
    const { file, s3 } = await interrupted();
    const up = [...s3.uploads.values()][0]!;
    up.parts.set(2, { body: Buffer.alloc(PART), etag: '"other"' });
    const err = await upload(s3, file, "rds").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.CHECKPOINT_MISMATCH });
    expect(err.message).toMatch(/part 2 .* ETag/);
  });

  it("Precondition: only file uploads are resumable (a stream cannot be read again from its start)", async () => {
    const err = await encryptAndUpload({
      s3: memoryS3(),
      bucket: "b",
      key: "k",
      source: Readable.from([Buffer.alloc(10)]),
      keyring: new KmsKeyring({ client: fakeKms(DATA_KEY).kms, keyId: "alias/backups" }),
      format: "v3",
      checkpoint: {},
    } as Parameters<typeof encryptAndUpload>[0]).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.NOT_RESUMABLE });
    expect(err.message).toMatch(/stdin/);
  });

  it("a fresh resumable upload that cannot be resumed (source rewritten during it) is aborted and its checkpoint removed", async () => {
    const { file, checkpoint } = await sourceFile();
    const s3 = memoryS3({
      failWhen: (name, input) => {
        if (name === "UploadPart" && input.PartNumber === 2)
          writeFileSync(file, seeded(3 * PART + 12_345, 1234));
        return undefined;
      },
    });
    const err = await upload(s3, file, "rds").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.SOURCE_CHANGED });
    expect(s3.count("AbortMultipartUpload")).toBe(1);
    expect(s3.uploads.size).toBe(0);
    expect(await readCheckpoint(checkpoint)).toBeUndefined();
  });

  it("a cancelled resumable upload keeps its upload and checkpoint, and says so to onMultipartUpload", async () => {
    const { file, checkpoint } = await sourceFile();
    const cancel = new AbortController();
    const s3 = memoryS3({
      failWhen: (name, input) => {
        if (name === "UploadPart" && input.PartNumber === 2) cancel.abort();
        return undefined;
      },
    });
    const events: string[] = [];
    const err = await upload(s3, file, "v3", {
      signal: cancel.signal,
      onMultipartUpload: (e) => events.push(`${e.state}:${e.checkpointPath}`),
    }).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.ABORTED });
    expect(events).toEqual([`created:${checkpoint}`, `kept:${checkpoint}`]);
    expect(s3.uploads.size).toBe(1);
    expect(await readCheckpoint(checkpoint)).toBeDefined();
  });

  it("a file that fits in one part is a single PutObject and writes no checkpoint", async () => {
    const { file, checkpoint } = await sourceFile(1000);
    const s3 = memoryS3();
    await upload(s3, file, "v3");
    expect(s3.sent).toEqual(["PutObject"]);
    expect(await readCheckpoint(checkpoint)).toBeUndefined();
  });

  it("Precondition: abort-upload is given an existing checkpoint; abortCheckpointedUpload removes the upload and the checkpoint", async () => {
    const { s3, checkpoint } = await interrupted();
    const removed = await abortCheckpointedUpload({ s3, checkpointPath: checkpoint });
    expect(removed).toMatchObject({ bucket: "b", key: "k.bak" });
    expect(s3.uploads.size).toBe(0);
    expect(await readCheckpoint(checkpoint)).toBeUndefined();
    const err = await abortCheckpointedUpload({ s3, checkpointPath: checkpoint }).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.CHECKPOINT_INVALID });
  });

  it("Precondition: a checkpoint is a version-1 s3-cse upload checkpoint with its fields", async () => {
    const { file, checkpoint } = await sourceFile();
    writeFileSync(checkpoint, '{"s3cseUploadCheckpoint": 7}');
    const err = await upload(memoryS3(), file, "rds").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.CHECKPOINT_INVALID });
    writeFileSync(checkpoint, "{not json");
    expect(await upload(memoryS3(), file, "rds").catch((e) => e)).toMatchObject({
      code: ErrorCodes.CHECKPOINT_INVALID,
    });
  });
});
