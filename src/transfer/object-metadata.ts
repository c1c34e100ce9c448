import type { HeadObjectCommandOutput } from "@aws-sdk/client-s3";
import type { ContentMetadata, MetadataLocation } from "../codec/content-metadata.js";
import { decodeContentMetadata, locateContentMetadata, parseInstructionFile } from "../codec/decode.js";
import { INSTRUCTION_FILE_SUFFIX } from "../codec/metadata-keys.js";
import { ErrorCodes, FormatError } from "../errors.js";
import {
  GetObjectCommand,
  HeadObjectCommand,
  isNotFound,
  type S3ClientLike,
  s3Error,
} from "./s3-commands.js";

export interface ObjectLocator {
  s3: S3ClientLike;
  bucket: string;
  key: string;
  signal?: AbortSignal;
  /** Suffix of the instruction file (default `.instruction`). */
  instructionFileSuffix?: string;
}

export async function headObject(o: ObjectLocator): Promise<HeadObjectCommandOutput> {
  try {
    return await o.s3.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key }), {
      abortSignal: o.signal,
    });
  } catch (err) {
    throw s3Error("HeadObject", o.bucket, o.key, err);
  }
}

/**
 * Largest instruction file a reader accepts. Real ones are well under 2 KiB (a wrapped key, an IV
 * and a small JSON map); the bound keeps a planted multi-GiB `<key>.instruction` out of memory.
 */
export const MAX_INSTRUCTION_FILE_BYTES = 64 * 1024;

function tooLarge(key: string, size?: number): FormatError {
  return new FormatError(
    ErrorCodes.INSTRUCTION_FILE_TOO_LARGE,
    `instruction file ${key} is ${size === undefined ? "larger than" : `${size} bytes, over`} the ${MAX_INSTRUCTION_FILE_BYTES}-byte limit: it is not an S3 Encryption Client instruction file`,
  );
}

interface InstructionBody {
  [Symbol.asyncIterator]?: () => AsyncIterator<Uint8Array | string>;
  transformToString?: (encoding?: string) => Promise<string>;
  destroy?: () => void;
}

/** Reads at most MAX_INSTRUCTION_FILE_BYTES (+1 to detect more) of a GetObject body. */
async function readBounded(body: InstructionBody, key: string): Promise<string> {
  if (typeof body?.[Symbol.asyncIterator] !== "function") {
    // Non-stream bodies (some test doubles) are already in memory; still refuse a large one.
    const text = (await body?.transformToString?.("utf8")) ?? "";
    /* Precondition: an instruction file is at most 64 KiB (a body already in memory too). */
    if (Buffer.byteLength(text) > MAX_INSTRUCTION_FILE_BYTES) throw tooLarge(key);
    return text;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    total += buf.length;
    /* Precondition: an instruction file is at most 64 KiB (a streamed body is read no further than that). */
    if (total > MAX_INSTRUCTION_FILE_BYTES) {
      body.destroy?.();
      throw tooLarge(key);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Fetches and parses `<key>.instruction`; undefined if there is none. */
export async function fetchInstructionFile(o: ObjectLocator): Promise<Record<string, string> | undefined> {
  const key = o.key + (o.instructionFileSuffix ?? INSTRUCTION_FILE_SUFFIX);
  let out: { Body?: InstructionBody; ContentLength?: number };
  try {
    out = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }), {
      abortSignal: o.signal,
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw s3Error("GetObject", o.bucket, key, err);
  }
  /* Precondition: an instruction file is at most 64 KiB (by its Content-Length, before reading the body). */
  if (out.ContentLength !== undefined && out.ContentLength > MAX_INSTRUCTION_FILE_BYTES) {
    out.Body?.destroy?.();
    throw tooLarge(key, out.ContentLength);
  }
  let body: string;
  try {
    body = await readBounded(out.Body ?? {}, key);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw s3Error("GetObject", o.bucket, key, err);
  }
  return parseInstructionFile(body);
}

export interface ResolvedEncryption {
  readonly location: MetadataLocation;
  readonly contentMetadata: ContentMetadata;
  /** The instruction file's entries, when the metadata lives there. */
  readonly instructionFile?: Record<string, string>;
}

/**
 * Decodes an object's encryption metadata from its user metadata, fetching the instruction
 * file when the metadata says so (docs/formats.md#format-detection). Throws a FormatError if the object is not
 * client-side encrypted or its metadata is invalid.
 */
export async function resolveContentMetadata(
  o: ObjectLocator,
  objectMetadata: Record<string, string> | undefined,
): Promise<ResolvedEncryption> {
  const meta = objectMetadata ?? {};
  const location = locateContentMetadata(meta);
  if (location.kind === "object") return { location, contentMetadata: decodeContentMetadata(meta) };
  const instructionFile = await fetchInstructionFile(o);
  /* Precondition: an object without S3EC metadata has an instruction file, or it is not client-side encrypted. */
  if (!instructionFile) {
    throw new FormatError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      location.kind === "v3-instruction-file"
        ? `s3://${o.bucket}/${o.key} has V3 metadata that points to an instruction file, but none exists`
        : `s3://${o.bucket}/${o.key} is not client-side encrypted (no x-amz-key, x-amz-key-v2 or x-amz-3 metadata and no instruction file)`,
    );
  }
  return { location, instructionFile, contentMetadata: decodeContentMetadata(meta, instructionFile) };
}

/** HeadObject, then `resolveContentMetadata`. */
export async function readObjectEncryption(
  o: ObjectLocator,
): Promise<ResolvedEncryption & { readonly head: HeadObjectCommandOutput }> {
  const head = await headObject(o);
  return { head, ...(await resolveContentMetadata(o, head.Metadata)) };
}
