/**
 * Instruction-file mode on write (docs/formats.md#instruction-files): PUTs `<key>.instruction`, the JSON object of metadata
 * names to string values that `placeContentMetadata` (src/codec/placement.ts) split off.
 */
import { serializeInstructionFile } from "../codec/encode.js";
import { INSTRUCTION_FILE_SUFFIX, Keys } from "../codec/metadata-keys.js";
import { PutObjectCommand, type S3ClientLike, s3Error } from "./s3-commands.js";

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
