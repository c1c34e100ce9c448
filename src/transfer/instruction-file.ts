/**
 * Instruction-file mode on write (spec §4): the S3EC metadata goes to `<key>.instruction`, a JSON
 * object of metadata names to string values, marked with user metadata `x-amz-crypto-instr-file: ""`.
 * V1/V2 objects keep only `x-amz-unencrypted-content-length`; V3 objects keep `x-amz-c/d/i`.
 */
import type { ContentMetadata } from "../codec/content-metadata.js";
import { encodeContentMetadata, serializeInstructionFile, splitForInstructionFile } from "../codec/encode.js";
import { INSTRUCTION_FILE_SUFFIX, Keys } from "../codec/metadata-keys.js";
import { UsageError } from "../errors.js";
import { PutObjectCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

/** Where an upload stores its encryption metadata. */
export type MetadataPlacement = "object" | "instruction-file";

export interface PlacedMetadata {
  /** User metadata of the data object. */
  readonly objectMetadata: Record<string, string>;
  /** The instruction file's entries, in instruction-file mode. */
  readonly instructionFile?: Record<string, string>;
}

/** Encodes the metadata (with the plaintext length for V1/V2, when known) and places it. */
export function placeContentMetadata(
  cm: ContentMetadata,
  plaintextLength: number | undefined,
  placement: MetadataPlacement,
): PlacedMetadata {
  const full =
    cm.format === "v3" || plaintextLength === undefined
      ? cm
      : { ...cm, unencryptedContentLength: plaintextLength };
  if (placement === "object") return { objectMetadata: encodeContentMetadata(full) };
  const { objectMetadata, instructionFile } = splitForInstructionFile(full);
  return { objectMetadata, instructionFile };
}

/* Precondition: the rds format keeps its metadata on the object (RDS does not read instruction files). */
export function assertPlacementAllowed(format: string, placement: MetadataPlacement): void {
  if (format === "rds" && placement === "instruction-file") {
    throw new UsageError(
      "the rds format keeps its encryption metadata on the object: RDS restores do not read instruction files",
    );
  }
}

export interface PutInstructionFileOptions {
  s3: S3ClientLike;
  bucket: string;
  /** The data object's key; the instruction file is `<key><suffix>`. */
  key: string;
  entries: Record<string, string>;
  suffix?: string;
  signal?: AbortSignal;
  expectedBucketOwner?: string;
}

/** PutObject `<key>.instruction` with the JSON body and the instruction-file marker. Returns its key. */
export async function putInstructionFile(o: PutInstructionFileOptions): Promise<string> {
  const key = o.key + (o.suffix ?? INSTRUCTION_FILE_SUFFIX);
  const body = Buffer.from(serializeInstructionFile(o.entries), "utf8");
  try {
    await o.s3.send(
      new PutObjectCommand({
        Bucket: o.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: "application/json",
        Metadata: { [Keys.INSTRUCTION_FILE_MARKER]: "" },
        ...(o.expectedBucketOwner ? { ExpectedBucketOwner: o.expectedBucketOwner } : {}),
      }),
      { abortSignal: o.signal },
    );
  } catch (err) {
    throw s3Error("PutObject", o.bucket, key, err);
  }
  return key;
}
