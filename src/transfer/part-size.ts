import { UsageError } from "../errors.js";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
/** S3 limits: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 parts, 5 TiB objects. */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * 1024 * GiB;
export const DEFAULT_PART_SIZE = 16 * MiB;

/**
 * Picks the part size: the caller's, or 16 MiB grown (in whole MiB) until `size` fits in 10,000
 * parts. `size` is the plaintext length when known (ciphertext adds at most 16 bytes).
 */
export function choosePartSize(size: number | undefined, requested?: number): number {
  if (requested !== undefined) {
    /* Precondition: a requested part size is a multiple of 16 bytes between 5 MiB and 5 GiB. */
    if (!Number.isSafeInteger(requested) || requested < MIN_PART_SIZE || requested > MAX_PART_SIZE) {
      throw new UsageError(`part size must be between 5 MiB and 5 GiB, got ${requested} bytes`);
    }
    if (requested % 16 !== 0)
      throw new UsageError(`part size must be a multiple of 16 bytes, got ${requested}`);
    if (size !== undefined && Math.ceil((size + 16) / requested) > MAX_PARTS) {
      throw new UsageError(
        `a ${size}-byte file needs more than ${MAX_PARTS} parts of ${requested} bytes; use a part size of at least ${choosePartSize(size)} bytes`,
      );
    }
    return requested;
  }
  if (size === undefined) return DEFAULT_PART_SIZE;
  /* Precondition: the object fits S3's 5 TiB limit. */
  if (size + 16 > MAX_OBJECT_SIZE) throw new UsageError(`${size} bytes exceed S3's 5 TiB object size limit`);
  const needed = Math.ceil((size + 16) / MAX_PARTS);
  return Math.max(DEFAULT_PART_SIZE, Math.ceil(needed / MiB) * MiB);
}
