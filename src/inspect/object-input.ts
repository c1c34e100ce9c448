import { normalizeMetadata } from "../codec/metadata-keys.js";

/**
 * The HeadObject fields the verifier reads. `HeadObjectCommandOutput` from
 * `@aws-sdk/client-s3` satisfies it; so does any object with the same field names.
 */
export interface HeadObjectLike {
  Metadata?: Record<string, string | undefined>;
  ContentLength?: number;
  ETag?: string;
  PartsCount?: number;
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
  SSECustomerAlgorithm?: string;
  SSECustomerKeyMD5?: string;
  BucketKeyEnabled?: boolean;
}

/** What the verifier accepts: a HeadObject output, or a plain map of metadata (or HTTP headers). */
export type ObjectInput = HeadObjectLike | Readonly<Record<string, string | undefined>>;

/** The facts the verifier reads from an {@link ObjectInput}, whatever its shape. */
export interface ObjectFacts {
  /** User metadata, names lower-cased and without `x-amz-meta-`. */
  readonly metadata: Record<string, string>;
  readonly contentLength?: number;
  readonly partCount?: number;
  readonly sse: {
    readonly algorithm?: string;
    readonly kmsKeyId?: string;
    readonly customerAlgorithm?: string;
    readonly customerKeyMd5?: string;
    readonly bucketKeyEnabled?: boolean;
  };
}

const HEAD_FIELDS = [
  "Metadata",
  "ContentLength",
  "ETag",
  "ServerSideEncryption",
  "SSECustomerAlgorithm",
  "$metadata",
  "LastModified",
];

/** HTTP headers that describe server-side encryption (for plain header maps). */
const SSE_HEADERS = {
  algorithm: "x-amz-server-side-encryption",
  kmsKeyId: "x-amz-server-side-encryption-aws-kms-key-id",
  customerAlgorithm: "x-amz-server-side-encryption-customer-algorithm",
  customerKeyMd5: "x-amz-server-side-encryption-customer-key-md5",
  bucketKeyEnabled: "x-amz-server-side-encryption-bucket-key-enabled",
} as const;

export function isHeadObjectLike(input: ObjectInput): input is HeadObjectLike {
  return HEAD_FIELDS.some((f) => Object.hasOwn(input, f));
}

/** Part count from an ETag of the form `"<md5>-<n>"` (multipart uploads). */
export function partCountFromETag(eTag: string | undefined): number | undefined {
  const m = eTag?.match(/-(\d+)"?$/);
  return m ? Number(m[1]) : undefined;
}

/** Reads an {@link ObjectInput} into {@link ObjectFacts}. */
export function readObjectFacts(input: ObjectInput): ObjectFacts {
  if (isHeadObjectLike(input)) {
    const partCount = input.PartsCount ?? partCountFromETag(input.ETag);
    return {
      metadata: normalizeMetadata(input.Metadata ?? {}),
      ...(input.ContentLength === undefined ? {} : { contentLength: input.ContentLength }),
      ...(partCount === undefined ? {} : { partCount }),
      sse: {
        algorithm: input.ServerSideEncryption,
        kmsKeyId: input.SSEKMSKeyId,
        customerAlgorithm: input.SSECustomerAlgorithm,
        customerKeyMd5: input.SSECustomerKeyMD5,
        bucketKeyEnabled: input.BucketKeyEnabled,
      },
    };
  }
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) if (typeof v === "string") lower[k.toLowerCase()] = v;
  const metadata = normalizeMetadata(input);
  // HTTP headers that are not user metadata are not S3EC keys either.
  for (const h of [...Object.values(SSE_HEADERS), "content-length", "etag"]) delete metadata[h];
  const length = lower["content-length"];
  const partCount = partCountFromETag(lower.etag);
  return {
    metadata,
    ...(length !== undefined && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
    ...(partCount === undefined ? {} : { partCount }),
    sse: {
      algorithm: lower[SSE_HEADERS.algorithm],
      kmsKeyId: lower[SSE_HEADERS.kmsKeyId],
      customerAlgorithm: lower[SSE_HEADERS.customerAlgorithm],
      customerKeyMd5: lower[SSE_HEADERS.customerKeyMd5],
      bucketKeyEnabled:
        lower[SSE_HEADERS.bucketKeyEnabled] === undefined
          ? undefined
          : lower[SSE_HEADERS.bucketKeyEnabled] === "true",
    },
  };
}
