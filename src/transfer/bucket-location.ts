/** Bucket-level reads the verifier needs: the bucket's region and the objects under a prefix. */
import { GetBucketLocationCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type S3ClientLike, s3Error } from "./s3-commands.js";

/**
 * The bucket's region from GetBucketLocation. S3 reports us-east-1 as an empty (null) location
 * and the oldest eu-west-1 buckets as "EU".
 */
export async function getBucketRegion(o: {
  s3: S3ClientLike;
  bucket: string;
  signal?: AbortSignal;
}): Promise<string> {
  let out: { LocationConstraint?: string | null };
  try {
    out = await o.s3.send(new GetBucketLocationCommand({ Bucket: o.bucket }), { abortSignal: o.signal });
  } catch (err) {
    throw s3Error("GetBucketLocation", o.bucket, "", err);
  }
  const location = out.LocationConstraint ?? "";
  if (location === "") return "us-east-1";
  if (location === "EU") return "eu-west-1";
  return location;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number | undefined;
}

/** Every object key under `prefix` (all pages), in S3's (lexicographic) order. */
export async function listObjectKeys(o: {
  s3: S3ClientLike;
  bucket: string;
  prefix: string;
  signal?: AbortSignal;
}): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    let page: {
      Contents?: { Key?: string; Size?: number }[];
      NextContinuationToken?: string;
      IsTruncated?: boolean;
    };
    try {
      page = await o.s3.send(
        new ListObjectsV2Command({
          Bucket: o.bucket,
          Prefix: o.prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
        { abortSignal: o.signal },
      );
    } catch (err) {
      throw s3Error("ListObjectsV2", o.bucket, o.prefix, err);
    }
    for (const c of page.Contents ?? []) if (c.Key !== undefined) out.push({ key: c.Key, size: c.Size });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}
