import { UsageError } from "../errors.js";

export interface S3Location {
  readonly bucket: string;
  /** Object key, or a prefix ending in "/" (may be empty). */
  readonly key: string;
}

/** Parses `s3://bucket/key`. */
export function parseS3Url(url: string, { allowPrefix = false } = {}): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  /* Precondition: an S3 location is written s3://bucket/key. */
  if (!m?.[1]) throw new UsageError(`"${url}" is not an S3 URL (expected s3://bucket/key)`);
  const key = m[2] ?? "";
  if (!allowPrefix && (key === "" || key.endsWith("/"))) {
    throw new UsageError(`"${url}" names no object key (expected s3://bucket/key)`);
  }
  return { bucket: m[1], key };
}

/** Parses repeated `k=v` pairs (encryption context, metadata). */
export function parsePairs(pairs: readonly string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const i = pair.indexOf("=");
    /* Precondition: each --context entry is key=value with a non-empty key. */
    if (i <= 0) throw new UsageError(`${what} entry "${pair}" must be key=value`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
