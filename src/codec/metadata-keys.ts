/**
 * S3 Encryption Client metadata key names, without the `x-amz-meta-` HTTP prefix
 * (docs/formats.md#object-metadata). S3 returns user-metadata names lower-cased; so do these constants.
 */
export const Keys = {
  // V1 / V2
  KEY_V1: "x-amz-key",
  KEY_V2: "x-amz-key-v2",
  IV: "x-amz-iv",
  MATDESC: "x-amz-matdesc",
  WRAP_ALG: "x-amz-wrap-alg",
  CEK_ALG: "x-amz-cek-alg",
  TAG_LEN: "x-amz-tag-len",
  UNENCRYPTED_LENGTH: "x-amz-unencrypted-content-length",
  UNENCRYPTED_MD5: "x-amz-unencrypted-content-md5",
  // V3 (compressed names)
  V3_CEK_ALG: "x-amz-c",
  V3_KEY: "x-amz-3",
  V3_WRAP_ALG: "x-amz-w",
  V3_MATDESC: "x-amz-m",
  V3_CONTEXT: "x-amz-t",
  V3_COMMITMENT: "x-amz-d",
  V3_MESSAGE_ID: "x-amz-i",
  // instruction file marker (set on the instruction object itself)
  INSTRUCTION_FILE_MARKER: "x-amz-crypto-instr-file",
} as const;

// Which keys each generation has, and where they may live: see metadata-rules.ts (the rule table).

/** Default suffix of instruction files: `<key>.instruction`. */
export const INSTRUCTION_FILE_SUFFIX = ".instruction";

/** Reserved encryption-context key holding the content algorithm (kms+context). */
export const RESERVED_CEK_ALG_CONTEXT_KEY = "aws:x-amz-cek-alg";

/** Encryption-context key the legacy `kms` wrap stores the writer's key id under. */
export const LEGACY_KMS_CMK_ID_KEY = "kms_cmk_id";

/**
 * Lower-cases metadata names and strips an `x-amz-meta-` prefix, so a HeadObject
 * `Metadata` map, raw HTTP headers or a hand-written map all read the same.
 */
export function normalizeMetadata(
  metadata: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (value === undefined) continue;
    let key = name.toLowerCase();
    if (key.startsWith("x-amz-meta-")) key = key.slice("x-amz-meta-".length);
    out[key] = value;
  }
  return out;
}
