/**
 * `s3-cse cp --recursive DIR s3://bucket/prefix/`, as `aws s3 cp --recursive` uploads: every regular
 * file under DIR (sorted, subdirectories included) to `prefix/<path relative to DIR>`, one after the
 * other, with one bar for the set and one for the file in flight. The first failure stops the set.
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { UsageError } from "../../errors.js";
import { hidesProgress } from "../common-options.js";
import type { CliIo } from "../io.js";
import { createSetProgress, type SetFile } from "../progress.js";
import { parseS3Url } from "../s3-url.js";
import { runUpload, type UploadOptions } from "./upload.js";

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
  const set = createSetProgress(
    io,
    `upload ${opts.format}`,
    hidesProgress(opts),
    files.map((f): SetFile => ({ name: f.name, bytes: f.bytes })),
  );
  try {
    for (const f of files)
      await runUpload(io, f.path, bucket, `${key}${f.name}`, opts, formatGiven, set.file(f.name));
  } finally {
    set.stop();
  }
}
