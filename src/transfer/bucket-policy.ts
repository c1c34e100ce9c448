/** The bucket policy, for the RDS-side preflight's explicit-Deny check (a read-only call). */
import { GetBucketPolicyCommand } from "@aws-sdk/client-s3";
import { type S3ClientLike, s3Error } from "./s3-commands.js";

/** The bucket policy JSON text, or undefined when the bucket has none (NoSuchBucketPolicy). */
export async function getBucketPolicy(o: {
  s3: S3ClientLike;
  bucket: string;
  signal?: AbortSignal;
}): Promise<string | undefined> {
  try {
    const out = await o.s3.send(new GetBucketPolicyCommand({ Bucket: o.bucket }), { abortSignal: o.signal });
    return (out as { Policy?: string }).Policy ?? undefined;
  } catch (err) {
    if (err instanceof Error && err.name === "NoSuchBucketPolicy") return undefined;
    throw s3Error("GetBucketPolicy", o.bucket, "", err);
  }
}
