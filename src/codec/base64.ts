import { ErrorCodes, FormatError } from "../errors.js";

const STRICT_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard, padded base64 (what every official client writes). Line breaks
 * (Ruby's encoder may emit them) are ignored; anything else that is not base64 is an error,
 * unlike `Buffer.from(s, "base64")`, which silently drops bad characters.
 */
export function decodeBase64(value: string, what: string): Uint8Array {
  const compact = value.replace(/[\r\n]/g, "");
  /* Precondition: metadata base64 values must be standard padded base64. */
  if (compact.length === 0 || !STRICT_B64.test(compact)) {
    throw new FormatError(ErrorCodes.INVALID_METADATA, `${what} is not valid base64`);
  }
  return new Uint8Array(Buffer.from(compact, "base64"));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
