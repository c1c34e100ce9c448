import { placeContentMetadata } from "../codec/placement.js";
import type { EncryptedPart } from "../pipeline/encrypt-parts.js";
import { PutObjectCommand, s3Error } from "./s3-commands.js";
import { payloadSigningOf, withPayloadSigning } from "./unsigned-payload.js";
import { assertLength, completionSignal, type UploadOutcome, writeInstructionFile } from "./upload-finish.js";
import { throwIfAborted, type UploadSession } from "./upload-session.js";

/** The whole object fits in one part: one PutObject, then the instruction file if any. */
export async function uploadSinglePart(session: UploadSession, part: EncryptedPart): Promise<UploadOutcome> {
  const { options: o, counters } = session;
  assertLength(o.contentLength, counters.bytesRead);
  const placed = placeContentMetadata(session.materials.metadata, counters.bytesRead, session.placement);
  await o.verifySource?.();
  let out: { ETag?: string; VersionId?: string };
  try {
    throwIfAborted(o.signal);
    out = await o.s3.send(
      withPayloadSigning(
        new PutObjectCommand({
          Bucket: o.bucket,
          Key: o.key,
          ...o.objectParams,
          Body: part.body,
          ContentLength: part.body.length,
          ...(part.checksumCrc32 ? { ChecksumCRC32: part.checksumCrc32 } : {}),
          Metadata: { ...o.metadata, ...placed.objectMetadata },
        }),
        payloadSigningOf(o),
      ),
      { abortSignal: completionSignal(placed, o.signal) },
    );
  } catch (err) {
    throw s3Error("PutObject", o.bucket, o.key, err);
  }
  const instructionFileKey = await writeInstructionFile(o, placed);
  counters.bytesUploaded = part.body.length;
  counters.partsDone = 1;
  session.report();
  return { parts: 0, placed, out, instructionFileKey };
}
