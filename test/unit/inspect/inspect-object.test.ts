import { describe, expect, it } from "vitest";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { FindingCodes } from "../../../src/inspect/findings.js";
import { inspectObject } from "../../../src/inspect/inspect-object.js";
import {
  cbcLength,
  v1Metadata,
  v2CbcKmsMetadata,
  v2GcmMetadata,
  v3AesGcmMetadata,
  v3KmsMetadata,
} from "../../support/metadata.js";

const codes = (i: ReturnType<typeof inspectObject>) => i.findings.map((f) => f.code);
const errors = (i: ReturnType<typeof inspectObject>) =>
  i.findings.filter((f) => f.severity === "error").map((f) => f.code);

describe("inspectObject: classification and details", () => {
  it("classifies an RDS-style V1 object with its details and no errors", () => {
    const i = inspectObject({ Metadata: v1Metadata(100), ContentLength: cbcLength(100), ETag: '"abc-3"' });
    expect(i.encryption).toEqual({ clientSide: "v1", serverSide: null });
    expect(i.ok).toBe(true);
    expect(i.clientSide).toMatchObject({
      format: "v1",
      metadataLocation: "object",
      contentAlgorithm: "AES/CBC/PKCS5Padding",
      ivLength: 16,
      wrappedKeyLength: 184,
      v1WrapGuess: "kms",
      materialsDescription: {},
      plaintextLength: 100,
      plaintextLengthSource: "metadata",
      ciphertextLength: 112,
      partCount: 3,
    });
    expect(codes(i)).toEqual([FindingCodes.LEGACY_FORMAT]);
  });

  it("classifies V2 GCM kms+context with its encryption context and no findings", () => {
    const i = inspectObject({ Metadata: v2GcmMetadata(100), ContentLength: 116 });
    expect(i.encryption.clientSide).toBe("v2");
    expect(i.clientSide).toMatchObject({
      wrapAlgorithm: "kms+context",
      contentAlgorithm: "AES/GCM/NoPadding",
      ivLength: 12,
      encryptionContext: { "aws:x-amz-cek-alg": "AES/GCM/NoPadding", team: "db" },
    });
    expect(i.findings).toEqual([]);
  });

  it("classifies V2 kms CBC as legacy and reports the context", () => {
    const i = inspectObject({ Metadata: v2CbcKmsMetadata(100), ContentLength: cbcLength(100) });
    expect(i.ok).toBe(true);
    expect(i.clientSide?.encryptionContext).toEqual({ kms_cmk_id: "alias/backups" });
    expect(codes(i)).toEqual([FindingCodes.LEGACY_FORMAT]);
  });

  it("classifies V3 kms+context and V3 AES/GCM and derives the GCM plaintext length", () => {
    const k = inspectObject({ Metadata: v3KmsMetadata(), ContentLength: 1016 });
    expect(k.encryption.clientSide).toBe("v3");
    expect(k.clientSide).toMatchObject({
      wrapAlgorithm: "kms+context",
      contentAlgorithm: "115",
      messageIdLength: 28,
      commitmentLength: 28,
      plaintextLength: 1000,
      plaintextLengthSource: "derived",
    });
    expect(k.findings).toEqual([]);
    const a = inspectObject(v3AesGcmMetadata());
    expect(a.clientSide).toMatchObject({
      wrapAlgorithm: "AES/GCM",
      materialsDescription: { kek: "primary" },
    });
    expect(a.findings).toEqual([]);
  });

  it("reports both layers: server-side SSE-S3 under client-side V1", () => {
    const i = inspectObject({ Metadata: v1Metadata(), ServerSideEncryption: "AES256" });
    expect(i.encryption).toEqual({ clientSide: "v1", serverSide: "SSE-S3" });
  });

  it("classifies SSE-KMS with its key id, DSSE-KMS, SSE-C and plain objects from HeadObject", () => {
    const kms = inspectObject({
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "arn:k",
      BucketKeyEnabled: true,
    });
    expect(kms.serverSide).toEqual({ kind: "SSE-KMS", kmsKeyId: "arn:k", bucketKeyEnabled: true });
    expect(inspectObject({ ServerSideEncryption: "aws:kms:dsse", SSEKMSKeyId: "arn:d" }).serverSide).toEqual({
      kind: "DSSE-KMS",
      kmsKeyId: "arn:d",
    });
    const c = inspectObject({ SSECustomerAlgorithm: "AES256", SSECustomerKeyMD5: "bWQ1" });
    expect(c.encryption).toEqual({ clientSide: null, serverSide: "SSE-C" });
    expect(inspectObject({ Metadata: {}, ContentLength: 5 }).encryption).toEqual({
      clientSide: null,
      serverSide: null,
    });
  });

  it("reads a plain map of HTTP headers, prefixed metadata included", () => {
    const headers: Record<string, string> = {
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": "arn:k",
      "content-length": String(cbcLength(100)),
    };
    for (const [k, v] of Object.entries(v1Metadata(100))) headers[`X-Amz-Meta-${k}`] = v;
    const i = inspectObject(headers);
    expect(i.encryption).toEqual({ clientSide: "v1", serverSide: "SSE-KMS" });
    expect(i.ok).toBe(true);
  });

  it("a client-side encrypted object carries S3EC keys in its metadata or an instruction file", () => {
    const i = inspectObject({ Metadata: { owner: "me" }, ServerSideEncryption: "AES256" });
    expect(i.encryption).toEqual({ clientSide: null, serverSide: "SSE-S3" });
    expect(errors(i)).toEqual([FindingCodes.NOT_CLIENT_SIDE_ENCRYPTED]);
    const missing = inspectObject({ Metadata: {} }, { instructionFile: { status: "missing" } });
    expect(missing.findings[0]?.message).toContain("no <key>.instruction");
  });

  it("reads V1/V2 metadata from an instruction file, keeping the object's plaintext length", () => {
    const { "x-amz-unencrypted-content-length": length, ...instr } = v2GcmMetadata(100);
    const i = inspectObject(
      { Metadata: { "x-amz-unencrypted-content-length": length! }, ContentLength: 116 },
      { instructionFile: { status: "found", body: instr } },
    );
    expect(i.clientSide).toMatchObject({
      format: "v2",
      metadataLocation: "instruction-file",
      plaintextLength: 100,
    });
    expect(i.findings).toEqual([]);
  });

  it("reads V3 metadata split across object (x-amz-c/d/i) and instruction file", () => {
    const all = v3KmsMetadata();
    const obj = { "x-amz-c": all["x-amz-c"]!, "x-amz-d": all["x-amz-d"]!, "x-amz-i": all["x-amz-i"]! };
    const instr = { "x-amz-3": all["x-amz-3"]!, "x-amz-w": all["x-amz-w"]!, "x-amz-t": all["x-amz-t"]! };
    const i = inspectObject({ Metadata: obj }, { instructionFile: { status: "found", body: instr } });
    expect(i.clientSide).toMatchObject({ format: "v3", metadataLocation: "instruction-file" });
    expect(i.findings).toEqual([]);
  });

  it("reports every problem at once where the codec stops at the first", () => {
    const m = { ...v2GcmMetadata(100), "x-amz-iv": "AAAAAAAAAAAAAAAAAAAAAA==", "x-amz-tag-len": "96" };
    expect(() => decodeContentMetadata(m)).toThrow();
    const i = inspectObject({ Metadata: m, ContentLength: 50 });
    expect(errors(i)).toEqual([
      FindingCodes.IV_LENGTH,
      FindingCodes.TAG_LENGTH,
      FindingCodes.CIPHERTEXT_LENGTH,
    ]);
    expect(i.ok).toBe(false);
  });
});
