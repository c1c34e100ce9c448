/**
 * The S3 commands s3-cse sends, and the mapping of S3 failures to {@link TransferError}.
 * Together with the rest of src/transfer/ this is the only S3-aware code; clients are injected.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { AbortError, ErrorCodes, TransferError } from "../errors.js";

export {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
};

/** The part of an S3 client s3-cse needs. `S3Client` from `@aws-sdk/client-s3` satisfies it. */
export interface S3ClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: structural type for any SDK-shaped client.
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

/** Wraps an S3 failure; the message names the operation, the object and the AWS error. */
export function s3Error(operation: string, bucket: string, key: string, err: unknown): TransferError {
  if (err instanceof TransferError || err instanceof AbortError) return err;
  if (err instanceof Error && err.name === "AbortError")
    return new AbortError(`S3 ${operation} was aborted`, { cause: err });
  const name = err instanceof Error ? err.name : "Error";
  const detail = err instanceof Error && err.message && err.message !== name ? `: ${err.message}` : "";
  return new TransferError(
    ErrorCodes.S3_FAILURE,
    `S3 ${operation} s3://${bucket}/${key} failed with ${name}${detail}`,
    {
      cause: err,
    },
  );
}

/** True if an S3 error means "no such object". */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}
