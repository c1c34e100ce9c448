/**
 * `s3-cse cp --recursive DIR s3://bucket/prefix/`, as `aws s3 cp --recursive` uploads: every regular
 * file under DIR (sorted, subdirectories included) to `prefix/<path relative to DIR>`,
 * as a multi-file upload (`upload FILE... s3://B/prefix/`): several at once, each with its own
 * data key, one bar and one summary; the first failure cancels the rest and aborts their uploads.
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { UsageError } from "../../errors.js";
import type { CliIo } from "../io.js";
import { parseS3Url } from "../s3-url.js";
import type { UploadOptions } from "./upload.js";
import { runUploadMany, type UploadTarget } from "./upload-many.js";

/** The regular files under `dir`, as paths relative to it with `/` separators, sorted. */
export async function filesUnder(dir: string): Promise<{ path: string; name: string; bytes: number }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: { path: string; name: string; bytes: number }[] = [];
  for (const e of entries) {
    const path = join(e.parentPath ?? e.path, e.name);
    const s = await stat(path).catch(() => undefined);
    if (s?.isFile()) files.push({ path, name: relative(dir, path).split(sep).join("/"), bytes: s.size });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function runRecursiveUpload(
  io: CliIo,
  src: string,
  dst: string,
  opts: UploadOptions,
  formatGiven: boolean,
): Promise<void> {
  /* Precondition: cp --recursive copies a local directory to an s3:// prefix. */
  if (!dst.startsWith("s3://") || src.startsWith("s3://"))
    throw new UsageError(
      src.startsWith("s3://")
        ? "cp --recursive uploads a local directory; downloading a prefix is not supported: download each object"
        : `cp --recursive needs an s3://bucket/prefix/ destination (got "${dst}")`,
    );
  if (!(await stat(src).catch(() => undefined))?.isDirectory())
    throw new UsageError(`cp --recursive copies a directory: "${src}" is not one`);
  const { bucket, key } = parseS3Url(dst, { allowPrefix: true });
  if (key !== "" && !key.endsWith("/"))
    throw new UsageError(`cp --recursive needs a prefix ending in "/" (got "${dst}")`);
  const files = await filesUnder(src);
  /* Precondition: a recursive copy has something to copy. */
  if (files.length === 0) throw new UsageError(`cp --recursive: no files under "${src}"`);
  const targets = files.map((f): UploadTarget => ({ file: f.path, key: `${key}${f.name}`, name: f.name }));
  await runUploadMany(io, targets, bucket, key, opts, formatGiven);
}
