import * as zlib from "node:zlib";
import { EnvironmentError, ErrorCodes } from "../errors.js";

type Crc32 = (data: Uint8Array, value?: number) => number;

/** `zlib.crc32` (Node ≥ 20.15 / 22.2): native, about 3 GB/s; undefined on older runtimes. */
const nativeCrc32 = (zlib as { crc32?: Crc32 }).crc32;

export function hasCrc32(): boolean {
  return typeof nativeCrc32 === "function";
}

/** Continues a CRC32 (IEEE, as S3's ChecksumCRC32) over `data`; start with 0. */
export function crc32Update(data: Uint8Array, value: number): number {
  if (!nativeCrc32)
    throw new EnvironmentError(
      ErrorCodes.UNSUPPORTED_RUNTIME,
      "zlib.crc32 is not available in this Node.js version (needs Node.js ≥ 20.15 or ≥ 22.2)",
    );
  return nativeCrc32(data, value);
}

/** The base64 of the big-endian 4-byte CRC32, the form S3 uses in x-amz-checksum-crc32. */
export function crc32Base64(value: number): string {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out.toString("base64");
}

/** out = mat · vec over GF(2) (zlib's gf2_matrix_times). */
function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  let v = vec >>> 0;
  for (let i = 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]!);
}

/**
 * CRC32 of A‖B from crc32(A), crc32(B) and B's length (zlib's crc32_combine), so ranges fetched
 * in parallel can be checked against the CRC32 S3 stored for a whole part or object. Lengths up to
 * 2^53 (no 32-bit shifts on `len2`).
 */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320; // the CRC-32 polynomial: the operator for one zero bit
  for (let n = 1, row = 1; n < 32; n++, row = (row << 1) >>> 0) odd[n] = row;
  gf2Square(even, odd); // two zero bits
  gf2Square(odd, even); // four zero bits
  let crc = crc1 >>> 0;
  let len = len2;
  while (len > 0) {
    gf2Square(even, odd);
    if (len % 2 === 1) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2 === 1) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
  }
  return (crc ^ crc2) >>> 0;
}

/** Parses S3's base64 CRC32 (`x-amz-checksum-crc32`, maybe with a composite `-N` suffix) to its value. */
export function crc32FromBase64(value: string): number | undefined {
  const raw = Buffer.from(value.replace(/-\d+$/, ""), "base64");
  return raw.length === 4 ? raw.readUInt32BE(0) : undefined;
}
