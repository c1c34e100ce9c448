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
