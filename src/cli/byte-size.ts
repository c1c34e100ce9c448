/** Sizes and counts as users type them on the command line (`--part-size 64MiB`, `--expected-size 200GiB`). */
import { UsageError } from "../errors.js";
import { GiB, MiB } from "../transfer/part-size.js";
import { MAX_UPLOAD_CONCURRENCY } from "../transfer/upload-options.js";

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: MiB,
  mb: MiB,
  mib: MiB,
  g: GiB,
  gb: GiB,
  gib: GiB,
  t: 1024 * GiB,
  tb: 1024 * GiB,
  tib: 1024 * GiB,
};

/** Parses "16777216", "16MiB", "1GiB", "512 KiB" (binary units; "MB" is read as MiB, as the AWS CLI does). */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  /* Precondition: a size is a number with an optional binary unit. */
  if (!m || unit === undefined)
    throw new UsageError(`"${text}" is not a size (examples: 16MiB, 1GiB, 8388608)`);
  const value = Number(m[1]) * unit;
  if (!Number.isSafeInteger(value)) throw new UsageError(`"${text}" is not a whole number of bytes`);
  return value;
}

/** Parses `--concurrency N`: a whole number from 1 to the most parts an upload keeps in flight. */
export function parseConcurrency(text: string | undefined): number {
  const value = Number(text ?? "4");
  /* Precondition: --concurrency is a whole number from 1 to 64. */
  if (!/^\s*\d+\s*$/.test(text ?? "4") || value < 1 || value > MAX_UPLOAD_CONCURRENCY)
    throw new UsageError(
      `--concurrency must be a whole number from 1 to ${MAX_UPLOAD_CONCURRENCY} (parts in flight; default 4), got "${text}"`,
    );
  return value;
}
