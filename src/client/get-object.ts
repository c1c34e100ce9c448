/**
 * GetObject through the drop-in client: whole objects (authenticated before release unless
 * delayed authentication was asked for) and `Range` reads (opt-in: a range is never authenticated).
 * Every GetObject input field is carried onto the HeadObject / GetObject requests about the object,
 * or refused by name.
 */
import type { GetObjectCommandInput, GetObjectCommandOutput } from "@aws-sdk/client-s3";
import type { RequestedRange } from "../ciphers/byte-range.js";
import type { StringMap } from "../codec/json-map.js";
import { UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import type { ReadPolicyOptions } from "../materials/policy.js";
import { openDecryptedStream } from "../transfer/download.js";
import { openDecryptedRange } from "../transfer/ranged-get.js";
import type { S3ClientLike } from "../transfer/s3-commands.js";
import { type ScopedFields, scopedClient } from "./scoped-requests.js";
import { withSdkStreamHelpers } from "./sdk-stream.js";

export interface GetObjectSettings extends ReadPolicyOptions {
  client: S3ClientLike;
  keyring: Keyring;
  encryptionContext: StringMap;
  signal?: AbortSignal;
  delayedAuthentication?: boolean;
  maxBufferBytes?: number;
  /** Allow `Range` reads of GCM (V2/V3) objects: decrypted with AES-CTR, not authenticated. */
  allowUnauthenticatedRanges?: boolean;
}

/** GetObject fields sent on the HeadObject and the GetObject about the object. */
const ON_EVERY_READ = [
  "VersionId",
  "SSECustomerAlgorithm",
  "SSECustomerKey",
  "SSECustomerKeyMD5",
  "RequestPayer",
  "ExpectedBucketOwner",
  "IfMatch",
  "IfNoneMatch",
  "IfModifiedSince",
  "IfUnmodifiedSince",
  "ChecksumMode",
];
/** GetObject fields that only shape the GetObject response. */
const ON_GET_ONLY = [
  "ResponseCacheControl",
  "ResponseContentDisposition",
  "ResponseContentEncoding",
  "ResponseContentLanguage",
  "ResponseContentType",
  "ResponseExpires",
];
const HANDLED = ["Bucket", "Key", "Range", "PartNumber"];

export async function getObject(
  input: GetObjectCommandInput,
  settings: GetObjectSettings,
): Promise<GetObjectCommandOutput> {
  /* Precondition: the command names a Bucket and a Key. */
  if (!input.Bucket || !input.Key) throw new UsageError("the command needs a Bucket and a Key");
  const { Bucket: bucket, Key: key } = input;
  const s3 = scopedClient(settings.client, bucket, key, readScope(input));
  /* Precondition: GetObject through the encryption client does not read parts. */
  if (input.PartNumber !== undefined) {
    throw new UsageError(
      "GetObject PartNumber of an encrypted object would return a slice of ciphertext that cannot be decrypted on its own; use Range (with allowUnauthenticatedRanges) or read the whole object",
    );
  }
  const common = { ...settings, s3, bucket, key };
  if (input.Range !== undefined) return getRange(parseRange(input.Range), common);
  const opened = await openDecryptedStream(common);
  const cm = opened.contentMetadata;
  const declared = cm.format === "v3" ? undefined : cm.unencryptedContentLength;
  const plaintextLength =
    declared ??
    (cm.suite.cipher === "gcm" && opened.ciphertextLength !== undefined
      ? opened.ciphertextLength - 16
      : undefined);
  return {
    $metadata: {},
    Body: withSdkStreamHelpers(opened.stream) as unknown as GetObjectCommandOutput["Body"],
    Metadata: opened.objectMetadata,
    ...(plaintextLength !== undefined ? { ContentLength: plaintextLength } : {}),
  };
}

async function getRange(
  range: RequestedRange,
  o: GetObjectSettings & { s3: S3ClientLike; bucket: string; key: string },
): Promise<GetObjectCommandOutput> {
  const opened = await openDecryptedRange({
    ...o,
    range,
    allowUnauthenticatedRanges: o.allowUnauthenticatedRanges === true,
  });
  const cm = opened.contentMetadata;
  const total =
    cm.suite.cipher === "gcm"
      ? opened.ciphertextLength - cm.suite.tagLength
      : cm.format === "v3"
        ? undefined
        : cm.unencryptedContentLength;
  // CBC: without a declared length the end is known only once the padding was read.
  const end = total !== undefined ? Math.min(opened.range.end, total - 1) : undefined;
  return {
    $metadata: {},
    Body: withSdkStreamHelpers(opened.stream) as unknown as GetObjectCommandOutput["Body"],
    Metadata: opened.objectMetadata,
    ...(end !== undefined
      ? {
          ContentLength: end - opened.range.start + 1,
          ContentRange: `bytes ${opened.range.start}-${end}/${total}`,
        }
      : {}),
  };
}

/** `bytes=START-END` or `bytes=START-` (one range, as S3 serves). */
export function parseRange(header: string): RequestedRange {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  /* Precondition: Range is a single bytes=START-[END] range. */
  if (!m) {
    throw new UsageError(
      `GetObject Range "${header}" is not supported by the encryption client: give one range "bytes=START-END" or "bytes=START-" (suffix ranges "bytes=-N" and multiple ranges are not supported)`,
    );
  }
  const start = Number(m[1]);
  return m[2] === "" ? { start } : { start, end: Number(m[2]) };
}

function readScope(input: GetObjectCommandInput): ScopedFields {
  const fields = input as unknown as Record<string, unknown>;
  const every: Record<string, unknown> = {};
  const getOnly: Record<string, unknown> = {};
  for (const [f, v] of Object.entries(fields)) {
    if (v === undefined || HANDLED.includes(f)) continue;
    if (ON_EVERY_READ.includes(f)) every[f] = v;
    else if (ON_GET_ONLY.includes(f)) getOnly[f] = v;
    /* Precondition: a GetObject field s3-cse does not know is refused, never dropped. */ else
      throw new UsageError(
        `S3EncryptionClient does not know GetObject field ${f} (a newer SDK?), so it cannot be carried through safely; leave it out or use the wrapped client (.client) deliberately`,
      );
  }
  return { HeadObject: every, GetObject: { ...every, ...getOnly } };
}
