import type { ObjectFacts } from "./object-input.js";

/** Server-side encryption at rest, as S3 reports it. */
export type ServerSideKind = "SSE-S3" | "SSE-KMS" | "DSSE-KMS" | "SSE-C";

export interface ServerSideDetails {
  readonly kind: ServerSideKind;
  /** SSE-KMS / DSSE-KMS: the key S3 used (as S3 reports it, normally a key ARN). */
  readonly kmsKeyId?: string;
  readonly bucketKeyEnabled?: boolean;
  /** SSE-C: the algorithm (AES256) and the MD5 of the customer key (not the key). */
  readonly customerAlgorithm?: string;
  readonly customerKeyMd5?: string;
  /** The raw `x-amz-server-side-encryption` value when S3 sent an unknown one. */
  readonly rawAlgorithm?: string;
}

/** Classifies server-side encryption from HeadObject fields (or the equivalent HTTP headers). */
export function classifyServerSide(facts: ObjectFacts): ServerSideDetails | null {
  const { sse } = facts;
  if (sse.customerAlgorithm) {
    return {
      kind: "SSE-C",
      customerAlgorithm: sse.customerAlgorithm,
      ...(sse.customerKeyMd5 ? { customerKeyMd5: sse.customerKeyMd5 } : {}),
    };
  }
  const bucketKey = sse.bucketKeyEnabled === undefined ? {} : { bucketKeyEnabled: sse.bucketKeyEnabled };
  switch (sse.algorithm) {
    case undefined:
    case "":
      return null;
    case "AES256":
      return { kind: "SSE-S3", ...bucketKey };
    case "aws:kms":
      return { kind: "SSE-KMS", ...(sse.kmsKeyId ? { kmsKeyId: sse.kmsKeyId } : {}), ...bucketKey };
    case "aws:kms:dsse":
      return { kind: "DSSE-KMS", ...(sse.kmsKeyId ? { kmsKeyId: sse.kmsKeyId } : {}) };
    default:
      // An algorithm S3 added after this release: report it as SSE-KMS-like only if it names a key.
      return sse.kmsKeyId
        ? { kind: "SSE-KMS", kmsKeyId: sse.kmsKeyId, rawAlgorithm: sse.algorithm }
        : { kind: "SSE-S3", rawAlgorithm: sse.algorithm };
  }
}
