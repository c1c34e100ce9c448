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

/** Fetches and parses `<key>.instruction`; undefined if there is none. */
export async function fetchInstructionFile(o: ObjectLocator): Promise<Record<string, string> | undefined> {
  const key = o.key + (o.instructionFileSuffix ?? INSTRUCTION_FILE_SUFFIX);
  let body: string;
  try {
    const out = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }), {
      abortSignal: o.signal,
    });
    body = await out.Body.transformToString("utf8");
  } catch (err) {
    if (isNotFound(err)) return undefined;
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
 * file when the metadata says so (spec §2.4). Throws a FormatError if the object is not
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

/** HeadObject, then {@link resolveContentMetadata}. */
export async function readObjectEncryption(
  o: ObjectLocator,
): Promise<ResolvedEncryption & { readonly head: HeadObjectCommandOutput }> {
  const head = await headObject(o);
  return { head, ...(await resolveContentMetadata(o, head.Metadata)) };
}
