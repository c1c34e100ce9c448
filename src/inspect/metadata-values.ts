/**
 * Verifier diagnostics of single metadata values beyond the rule table (double base64, double
 * JSON encoding, RFC 2047): they append findings and return the decoded value when it is usable.
 * What is required and which values are allowed comes from src/codec/metadata-rules.ts.
 */
import { decodeBase64 } from "../codec/base64.js";
import { isRfc2047Encoded, parseStringMap, type StringMap } from "../codec/json-map.js";
import { type Finding, FindingCodes, finding } from "./findings.js";

export type Meta = Readonly<Record<string, string>>;

const BASE64_TEXT = /^[A-Za-z0-9+/\r\n]+={0,2}$/;

/** True if `bytes` are themselves the ASCII text of standard base64 that decodes cleanly. */
function looksLikeBase64Text(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes.length % 4 !== 0) return false;
  const text = Buffer.from(bytes).toString("latin1");
  if (!BASE64_TEXT.test(text)) return false;
  try {
    decodeBase64(text, "inner value");
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes a base64 metadata value. Missing → undefined (the caller reports missing keys);
 * invalid or base64-encoded twice → a finding and undefined.
 */
export function checkBase64(m: Meta, key: string, out: Finding[]): Uint8Array | undefined {
  const value = m[key];
  if (value === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(value, key);
  } catch {
    /* Precondition: base64 metadata values are standard padded base64. */
    out.push(
      finding(
        FindingCodes.INVALID_BASE64,
        "error",
        `${key} is not valid standard base64 (${value.length} characters)`,
        {
          key,
          fix: "rewrite the metadata with standard, padded base64 (RFC 4648 §4); readers reject anything else",
        },
      ),
    );
    return undefined;
  }
  /* Precondition: base64 metadata values are encoded once, not twice. */
  if (looksLikeBase64Text(bytes)) {
    out.push(
      finding(
        FindingCodes.DOUBLE_BASE64,
        "error",
        `${key} is base64 of base64 text: the writer encoded the value twice`,
        { key, fix: "store base64 of the raw bytes, encoded once" },
      ),
    );
    return undefined;
  }
  return bytes;
}

/** Appends an EXTRA_KEY finding for each present key that the detected format does not define. */
export function flagExtraKeys(
  m: Meta,
  keys: readonly string[],
  what: string,
  out: Finding[],
  severity: "error" | "warning" = "warning",
): void {
  for (const key of keys) {
    /* Precondition: no key that the detected format does not define is present. */
    if (m[key] !== undefined) {
      out.push(
        finding(FindingCodes.EXTRA_KEY, severity, `${key} does not belong in ${what} metadata`, {
          key,
          fix: `remove ${key}`,
        }),
      );
    }
  }
}

/** Parses a JSON string-map value (matdesc, `x-amz-t`, `x-amz-m`), reporting every problem. */
export function checkStringMap(m: Meta, key: string, out: Finding[]): StringMap | undefined {
  const value = m[key];
  if (value === undefined) return undefined;
  /* Precondition: JSON metadata values are US-ASCII, not RFC 2047 encoded by S3. */
  if (isRfc2047Encoded(value)) {
    out.push(
      finding(
        FindingCodes.RFC2047_ENCODED,
        "warning",
        `${key} is RFC 2047 encoded (S3 does this to non-ASCII metadata); s3-cse and Java decode it, other readers may not`,
        { key, fix: "keep material descriptions and encryption contexts US-ASCII" },
      ),
    );
  }
  try {
    return parseStringMap(value, key);
  } catch {
    let inner: unknown;
    try {
      inner = JSON.parse(value);
    } catch {
      inner = undefined;
    }
    /* Precondition: JSON metadata values are a JSON object, not a JSON string holding one. */
    if (typeof inner === "string" && /^\s*\{/.test(inner)) {
      out.push(
        finding(
          FindingCodes.MATDESC_DOUBLE_ENCODED,
          "error",
          `${key} is a JSON string that contains JSON (encoded twice)`,
          { key, fix: `store ${key} as a JSON object such as {} or {"k":"v"}` },
        ),
      );
      return undefined;
    }
    /* Precondition: JSON metadata values are a JSON object of string values. */
    out.push(
      finding(FindingCodes.INVALID_MATDESC, "error", `${key} is not a JSON object of string values`, {
        key,
        fix: `store ${key} as a JSON object such as {} or {"k":"v"}`,
      }),
    );
    return undefined;
  }
}
