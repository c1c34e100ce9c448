import { ErrorCodes, FormatError } from "../errors.js";

/** A material description or encryption context: string keys to string values. */
export type StringMap = Record<string, string>;

const MIME_WORD = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;

/**
 * Undoes RFC 2047 "encoded-word" double encoding, which S3 applies to non-ASCII metadata
 * values (docs/formats.md#object-metadata, "double encoding"). Values without encoded words are returned unchanged.
 */
export function decodeRfc2047(value: string): string {
  if (!value.includes("=?")) return value;
  // Adjacent encoded words separated only by whitespace are joined (RFC 2047 §6.2).
  const joined = value.replace(/\?=\s+=\?/g, "?==?");
  return joined.replace(MIME_WORD, (_word, charset: string, encoding: string, text: string) => {
    const cs = charset.toLowerCase();
    const enc: BufferEncoding = cs === "utf-8" || cs === "utf8" ? "utf8" : "latin1";
    if (encoding.toUpperCase() === "B") return Buffer.from(text, "base64").toString(enc);
    const bytes = text
      .replace(/_/g, " ")
      .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, "latin1").toString(enc);
  });
}

/**
 * S3's "double encoding" (docs/formats.md#object-metadata): a non-ASCII metadata value is sent as UTF-8 bytes, which S3
 * reads as ISO-8859-1 characters and returns as an RFC 2047 `=?UTF-8?B?…?=` word of *those*
 * characters. After MIME decoding, every run of U+0080–U+00FF characters is therefore the
 * original UTF-8 byte sequence; Java's `decodeS3CustomEncoding` re-reads it as UTF-8, and so
 * does this. A run that is not valid UTF-8 is left as it is (Java would emit U+FFFD).
 */
export function decodeS3MetadataValue(value: string): string {
  if (!isRfc2047Encoded(value)) return value;
  return decodeRfc2047(value).replace(/[\u0080-\u00ff]+/g, (run) => {
    const repaired = Buffer.from(run, "latin1").toString("utf8");
    return repaired.includes("\ufffd") ? run : repaired;
  });
}

/** True if the value carries RFC 2047 encoded words. */
export function isRfc2047Encoded(value: string): boolean {
  return /=\?[^?]+\?[BbQq]\?[^?]*\?=/.test(value);
}

/** Parses a JSON object whose values are all strings (matdesc, `x-amz-t`, `x-amz-m`). */
export function parseStringMap(value: string | undefined, what: string): StringMap {
  if (value === undefined || value.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeS3MetadataValue(value));
  } catch (cause) {
    throw new FormatError(ErrorCodes.INVALID_METADATA, `${what} is not valid JSON`, { cause });
  }
  /* Precondition: a material description is a JSON object of string values. */
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new FormatError(ErrorCodes.INVALID_METADATA, `${what} must be a JSON object of strings`);
  }
  const out: StringMap = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v !== "string") {
      throw new FormatError(ErrorCodes.INVALID_METADATA, `${what} entry "${k}" must be a string`);
    }
    out[k] = v;
  }
  return out;
}

/** Compact JSON, as the Java and Go clients write it (`{"k":"v"}`). */
export function serializeStringMap(map: StringMap): string {
  return JSON.stringify(map);
}

/** Order-insensitive equality of two string maps. */
export function stringMapsEqual(a: StringMap, b: StringMap): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
