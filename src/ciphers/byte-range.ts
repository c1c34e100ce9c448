import type { AlgorithmSuite } from "../codec/algorithm-suites.js";
import { AES_BLOCK } from "../codec/algorithm-suites.js";
import { ErrorCodes, SecurityError, UsageError } from "../errors.js";

/** An inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A requested plaintext range; `end` omitted means "to the end of the object". */
export interface RequestedRange {
  readonly start: number;
  readonly end?: number;
}

/**
 * How to serve a plaintext range of an encrypted object (docs/formats.md#ranged-reads): which ciphertext bytes to
 * fetch and how to decrypt them. GCM objects (V2 0x0072, V3 0x0073) are read with AES-CTR from
 * the block that holds `start`; CBC objects need one extra leading block (the IV of the next one)
 * and whole blocks up to the one that holds `end`.
 */
export interface RangePlan {
  readonly mode: "ctr" | "cbc";
  /** Inclusive ciphertext range to GET. */
  readonly fetch: ByteRange;
  /** Plaintext offset of the first byte the fetched ciphertext decrypts to (CBC skips the IV block). */
  readonly firstPlaintextOffset: number;
  /** The plaintext range to emit; for CBC `end` may shrink once the padding is known. */
  readonly plaintext: ByteRange;
  /** CBC only: the fetch reaches the object's last block, so the PKCS#7 padding must be removed. */
  readonly includesFinalBlock: boolean;
}

function assertRange(r: RequestedRange): void {
  /* Precondition: a range starts at a non-negative integer and does not end before it starts. */
  if (!Number.isSafeInteger(r.start) || r.start < 0) {
    throw new UsageError(`range start must be a non-negative integer (got ${r.start})`);
  }
  if (r.end !== undefined && (!Number.isSafeInteger(r.end) || r.end < r.start)) {
    throw new UsageError(`range end must be an integer not less than its start (got ${r.start}-${r.end})`);
  }
}

function notSatisfiable(r: RequestedRange, plaintextBound: number): UsageError {
  return new UsageError(
    `range ${r.start}-${r.end ?? ""} is not satisfiable: the object has at most ${plaintextBound} plaintext bytes`,
  );
}

/**
 * Plans a ranged read of an object whose whole ciphertext (body, GCM tag included) is
 * `ciphertextLength` bytes. Pure arithmetic; no I/O.
 */
export function planRangedRead(
  suite: AlgorithmSuite,
  requested: RequestedRange,
  ciphertextLength: number,
): RangePlan {
  assertRange(requested);
  /* Precondition: the ciphertext length is a non-negative integer. */
  if (!Number.isSafeInteger(ciphertextLength) || ciphertextLength < 0) {
    throw new UsageError(`invalid ciphertext length ${ciphertextLength}`);
  }
  if (suite.cipher === "gcm") {
    const plaintextLength = ciphertextLength - suite.tagLength;
    /* Precondition: a GCM object is at least as long as its tag. */
    if (plaintextLength < 0) {
      throw new SecurityError(ErrorCodes.TRUNCATED, "GCM object is shorter than its 16-byte tag");
    }
    /* Precondition: the range starts inside the plaintext. */
    if (requested.start >= plaintextLength) throw notSatisfiable(requested, plaintextLength);
    const end = Math.min(requested.end ?? plaintextLength - 1, plaintextLength - 1);
    const fetchStart = requested.start - (requested.start % AES_BLOCK);
    return {
      mode: "ctr",
      fetch: { start: fetchStart, end },
      firstPlaintextOffset: fetchStart,
      plaintext: { start: requested.start, end },
      includesFinalBlock: false,
    };
  }
  /* Precondition: a CBC object is a non-empty multiple of 16 bytes. */
  if (ciphertextLength === 0 || ciphertextLength % AES_BLOCK !== 0) {
    throw new SecurityError(
      ErrorCodes.TRUNCATED,
      `CBC object is ${ciphertextLength} bytes, not a non-zero multiple of 16`,
    );
  }
  // The plaintext is 1..16 bytes shorter than the ciphertext; the exact end is known after unpadding.
  const maxPlaintextEnd = ciphertextLength - 2;
  /* Precondition: the range starts inside the plaintext. */
  if (requested.start > maxPlaintextEnd) throw notSatisfiable(requested, ciphertextLength - 1);
  const end = Math.min(requested.end ?? maxPlaintextEnd, maxPlaintextEnd);
  const startBlock = requested.start - (requested.start % AES_BLOCK);
  const fetchStart = Math.max(0, startBlock - AES_BLOCK);
  const fetchEnd = Math.min(ciphertextLength - 1, end - (end % AES_BLOCK) + AES_BLOCK - 1);
  return {
    mode: "cbc",
    fetch: { start: fetchStart, end: fetchEnd },
    firstPlaintextOffset: fetchStart === 0 ? 0 : fetchStart + AES_BLOCK,
    plaintext: { start: requested.start, end },
    includesFinalBlock: fetchEnd === ciphertextLength - 1,
  };
}

/** The 16-byte AES-CTR counter block for the GCM keystream at block-aligned `offset` (docs/formats.md#ranged-reads). */
export function gcmCounterBlock(iv: Uint8Array, offset: number): Buffer {
  /* Precondition: CTR counters are computed from a 12-byte GCM IV at a block-aligned offset. */
  if (iv.length !== 12 || offset % AES_BLOCK !== 0 || offset < 0) {
    throw new UsageError("CTR counter needs a 12-byte IV and a block offset");
  }
  const block = Buffer.alloc(AES_BLOCK);
  block.set(iv, 0);
  // J0 = IV ‖ 0x00000001; the first content block uses inc32(J0); GCM increments only the low 32 bits.
  block.writeUInt32BE((2 + offset / AES_BLOCK) % 2 ** 32, 12);
  return block;
}
