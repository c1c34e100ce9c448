/**
 * What the drop-in client does with each PutObject input field: every field is either carried
 * through to the encrypted upload or refused by name. One table, so a field can never be dropped
 * silently (a field this table does not know, from a newer SDK, is refused too).
 */
import { ALL_S3EC_KEYS } from "../codec/metadata-rules.js";
import { PutObjectFieldError } from "../errors.js";
import type { ObjectParams } from "../transfer/upload-options.js";

/**
 * - `handled`: the client reads it itself (Bucket, Key, Body, Metadata, ContentLength).
 * - `object`: an object property, set on PutObject or CreateMultipartUpload.
 * - `request`: needed on every request about the object (PutObject, CreateMultipartUpload,
 *   UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts).
 * - `condition`: a conditional write, checked by the request that makes the object visible
 *   (PutObject, or CompleteMultipartUpload for a multipart upload).
 * - `refused`: contradicts the encryption; the reason says why.
 */
export type FieldDisposition =
  | { readonly kind: "handled" | "object" | "request" | "condition" }
  | { readonly kind: "refused"; readonly reason: string };

const PLAINTEXT_CHECKSUM =
  "it is a checksum of the plaintext, and S3 stores (and checks) the ciphertext; s3-cse sends a CRC32 of every ciphertext part instead";

const checksum: FieldDisposition = { kind: "refused", reason: PLAINTEXT_CHECKSUM };
const object: FieldDisposition = { kind: "object" };
const request: FieldDisposition = { kind: "request" };
const condition: FieldDisposition = { kind: "condition" };
const handled: FieldDisposition = { kind: "handled" };

export const PUT_OBJECT_FIELDS: Readonly<Record<string, FieldDisposition>> = {
  Bucket: handled,
  Key: handled,
  Body: handled,
  Metadata: handled,
  ContentLength: handled,
  ACL: object,
  CacheControl: object,
  ContentDisposition: object,
  ContentEncoding: object,
  ContentLanguage: object,
  ContentType: object,
  ChecksumAlgorithm: object,
  Expires: object,
  GrantFullControl: object,
  GrantRead: object,
  GrantReadACP: object,
  GrantWriteACP: object,
  ServerSideEncryption: object,
  StorageClass: object,
  WebsiteRedirectLocation: object,
  SSEKMSKeyId: object,
  SSEKMSEncryptionContext: object,
  BucketKeyEnabled: object,
  Tagging: object,
  ObjectLockMode: object,
  ObjectLockRetainUntilDate: object,
  ObjectLockLegalHoldStatus: object,
  ObjectLockEventHold: object,
  ObjectLockEventHoldDurationDays: object,
  ObjectLockEventHoldDurationYears: object,
  SSECustomerAlgorithm: request,
  SSECustomerKey: request,
  SSECustomerKeyMD5: request,
  RequestPayer: request,
  ExpectedBucketOwner: request,
  IfMatch: condition,
  IfNoneMatch: condition,
  ContentMD5: checksum,
  ChecksumCRC32: checksum,
  ChecksumCRC32C: checksum,
  ChecksumCRC64NVME: checksum,
  ChecksumSHA1: checksum,
  ChecksumSHA256: checksum,
  ChecksumSHA512: checksum,
  ChecksumMD5: checksum,
  ChecksumXXHASH64: checksum,
  ChecksumXXHASH3: checksum,
  ChecksumXXHASH128: checksum,
  WriteOffsetBytes: {
    kind: "refused",
    reason:
      "appending to an existing object would join two ciphertexts that no reader can decrypt; upload the whole content",
  },
};

/** The PutObject input split by where each field goes. */
export interface SortedPutFields {
  /** For `objectParams` (PutObject / CreateMultipartUpload). */
  readonly objectParams: ObjectParams;
  /** For every request about the object. */
  readonly requestParams: Readonly<Record<string, unknown>>;
  /** For the request that makes the object visible. */
  readonly conditions: Readonly<Record<string, unknown>>;
}

/**
 * Sorts a PutObject input: every defined field is carried (see {@link PUT_OBJECT_FIELDS}) or
 * refused by name. `plaintextLength` is the body's length when the client knows it.
 */
export function sortPutObjectFields(
  input: Readonly<Record<string, unknown>>,
  plaintextLength: number | undefined,
): SortedPutFields {
  const objectParams: Record<string, unknown> = {};
  const requestParams: Record<string, unknown> = {};
  const conditions: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const d = PUT_OBJECT_FIELDS[field];
    /* Precondition: a PutObject field s3-cse does not know is refused, never dropped. */
    if (d === undefined) {
      throw new PutObjectFieldError(
        field,
        "this field is not known to s3-cse (a newer SDK?), so it cannot be carried through safely; leave it out or send it with the wrapped client (.client) deliberately",
      );
    }
    /* Precondition: fields that contradict the encryption are refused by name. */
    if (d.kind === "refused") throw new PutObjectFieldError(field, d.reason);
    if (d.kind === "object") objectParams[field] = value;
    else if (d.kind === "request") requestParams[field] = value;
    else if (d.kind === "condition") conditions[field] = value;
  }
  checkChecksumAlgorithm(input.ChecksumAlgorithm);
  checkContentEncoding(input.ContentEncoding);
  checkContentLength(input.ContentLength, plaintextLength);
  checkMetadata(input.Metadata);
  return { objectParams: objectParams as ObjectParams, requestParams, conditions };
}

function checkChecksumAlgorithm(value: unknown): void {
  /* Precondition: ChecksumAlgorithm, when given, is CRC32 (what s3-cse computes on the ciphertext). */
  if (value !== undefined && String(value).toUpperCase() !== "CRC32") {
    throw new PutObjectFieldError(
      "ChecksumAlgorithm",
      `${String(value)} is not supported: s3-cse sends a CRC32 of every ciphertext part; use ChecksumAlgorithm "CRC32" or leave it out`,
    );
  }
}

function checkContentEncoding(value: unknown): void {
  /* Precondition: ContentEncoding does not claim an aws-chunked body (the client frames the ciphertext itself). */
  if (typeof value === "string" && /(^|,)\s*aws-chunked\s*(,|$)/i.test(value)) {
    throw new PutObjectFieldError(
      "ContentEncoding",
      '"aws-chunked" describes how a body is sent, and the body sent is the ciphertext the client produces; leave it out (other encodings, e.g. gzip, describe the plaintext and are kept)',
    );
  }
}

function checkContentLength(value: unknown, plaintextLength: number | undefined): void {
  /* Precondition: ContentLength, when given, is the plaintext's length. */
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new PutObjectFieldError("ContentLength", `must be a non-negative integer, got ${String(value)}`);
  }
  if (plaintextLength !== undefined && value !== plaintextLength) {
    throw new PutObjectFieldError(
      "ContentLength",
      `${String(value)} is not the length of the Body (${plaintextLength} bytes); give the plaintext's length or leave it out (the stored ciphertext's length is set by the client)`,
    );
  }
}

function checkMetadata(value: unknown): void {
  if (value === undefined) return;
  const keys = Object.keys(value as object).map((k) => k.toLowerCase().replace(/^x-amz-meta-/, ""));
  const clash = keys.filter((k) => ALL_S3EC_KEYS.includes(k));
  /* Precondition: Metadata keys never collide with the encryption metadata. */
  if (clash.length > 0) {
    throw new PutObjectFieldError(
      "Metadata",
      `key${clash.length > 1 ? "s" : ""} ${clash.join(", ")} ${clash.length > 1 ? "are" : "is"} reserved for the encryption metadata the client writes`,
    );
  }
}
