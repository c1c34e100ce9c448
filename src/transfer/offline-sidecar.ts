/**
 * The sidecar of an offline-encrypted file (`FILE.enc.s3cse.json`, issue 15): the exact S3 user
 * metadata the object must carry, the instruction-file shape (for tools that keep metadata in
 * `<key>.instruction`), and the plaintext and ciphertext lengths and SHA-256 digests.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ContentMetadata } from "../codec/content-metadata.js";
import { splitForInstructionFile } from "../codec/encode.js";
import { ErrorCodes, FormatError, SecurityError, TransferError } from "../errors.js";
import type { WriteFormat } from "../materials/materials.js";

export const SIDECAR_SUFFIX = ".s3cse.json";
export const SIDECAR_VERSION = 1;

export interface Digest {
  readonly length: number;
  readonly sha256: string;
}

export interface OfflineSidecar {
  readonly version: typeof SIDECAR_VERSION;
  readonly format: WriteFormat;
  /** S3 user metadata (names without `x-amz-meta-`) when the metadata stays on the object. */
  readonly metadata: Record<string, string>;
  /** The same metadata split for instruction-file mode. */
  readonly instructionFile: {
    readonly objectMetadata: Record<string, string>;
    readonly instructionFile: Record<string, string>;
  };
  readonly plaintext: Digest;
  readonly ciphertext: Digest;
}

export function buildSidecar(
  format: WriteFormat,
  cm: ContentMetadata,
  metadata: Record<string, string>,
  plaintext: Digest,
  ciphertext: Digest,
): OfflineSidecar {
  const full = cm.format === "v3" ? cm : { ...cm, unencryptedContentLength: plaintext.length };
  return {
    version: SIDECAR_VERSION,
    format,
    metadata,
    instructionFile: splitForInstructionFile(full),
    plaintext,
    ciphertext,
  };
}

const isDigest = (d: unknown): d is Digest =>
  typeof d === "object" &&
  d !== null &&
  Number.isSafeInteger((d as Digest).length) &&
  (d as Digest).length >= 0 &&
  /^[0-9a-f]{64}$/.test(String((d as Digest).sha256));

const isStringMap = (m: unknown): m is Record<string, string> =>
  typeof m === "object" &&
  m !== null &&
  !Array.isArray(m) &&
  Object.values(m).every((v) => typeof v === "string");

/** Reads and checks the shape of a sidecar file. */
export async function readSidecar(path: string): Promise<OfflineSidecar> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new FormatError(
      ErrorCodes.INVALID_METADATA,
      `cannot read the sidecar ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const s = parsed as OfflineSidecar;
  /* Precondition: a sidecar has version 1, a format, string metadata and two digests. */
  if (
    s?.version !== SIDECAR_VERSION ||
    !["rds", "v2", "v3"].includes(s.format) ||
    !isStringMap(s.metadata) ||
    !isDigest(s.plaintext) ||
    !isDigest(s.ciphertext)
  ) {
    throw new FormatError(
      ErrorCodes.INVALID_METADATA,
      `${path} is not an s3-cse sidecar (version ${SIDECAR_VERSION})`,
    );
  }
  return s;
}

/** Length and SHA-256 of a file, streamed. */
export async function digestFile(path: string, signal?: AbortSignal): Promise<Digest> {
  const hash = createHash("sha256");
  let length = 0;
  try {
    for await (const chunk of createReadStream(path, signal ? { signal } : {})) {
      hash.update(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
  } catch (err) {
    throw new TransferError(ErrorCodes.IO_FAILURE, `reading ${path} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { length, sha256: hash.digest("hex") };
}

/* Precondition: the ciphertext file matches the sidecar's length and SHA-256. */
export function assertDigest(what: string, expected: Digest, actual: Digest): void {
  if (expected.length !== actual.length || expected.sha256 !== actual.sha256) {
    throw new SecurityError(
      ErrorCodes.AUTHENTICATION_FAILED,
      `${what} does not match its sidecar (expected ${expected.length} bytes, SHA-256 ${expected.sha256}; found ${actual.length} bytes, SHA-256 ${actual.sha256}): it was modified or belongs to another file`,
    );
  }
}
