/**
 * THE table of S3EC metadata rules (docs/formats.md#object-metadata, docs/formats.md#instruction-files): which keys each format generation has, whether
 * each is required, which values it may take, and where it may live. The decoder
 * (`decodeContentMetadata`) and the verifier (`inspectObject`) both read this table and both call
 * {@link checkKeyValue} for every value, so they cannot disagree about what a valid object is:
 * the decoder throws on the first violation, the verifier reports every one as a finding.
 *
 * Where an official client is more lenient than the spec, the reader follows the client and the
 * rule says so (`x-amz-tag-len`: the spec says MUST, the Go clients write GCM objects without it).
 */
import { COMMITMENT_LENGTH, MESSAGE_ID_LENGTH } from "./algorithm-suites.js";
import { decodeBase64 } from "./base64.js";
import { type FormatGeneration, V2_WRAP_ALGORITHMS, V3_WRAP_CODES } from "./content-metadata.js";
import { Keys } from "./metadata-keys.js";

/**
 * `required`: a reader refuses the object without it. `recommended`: readers accept it missing
 * (with a default), the verifier warns. `optional`: informational, no warning when missing.
 */
export type KeyPresence = "required" | "recommended" | "optional";

/** `object-only`: trusted only from the object's own metadata, never from an instruction file. */
export type KeyPlacement = "object-or-instruction-file" | "object-only";

/** What a value is about (the verifier maps it to its finding codes; messages are the codec's). */
export type KeyConcern =
  | "wrapped-key"
  | "iv"
  | "description"
  | "wrap-algorithm"
  | "content-algorithm"
  | "tag-length"
  | "plaintext-length"
  | "message-id"
  | "commitment";

export interface KeyRule {
  readonly key: string;
  readonly presence: KeyPresence;
  readonly concern: KeyConcern;
  readonly kind: "base64" | "json-map" | "decimal" | "enum";
  /** Allowed values (`enum` keys). */
  readonly values?: readonly string[];
  /** Decoded length in bytes (`base64` keys with a fixed length). */
  readonly bytes?: number;
  /** A value outside `values` is an algorithm this library does not implement (UNSUPPORTED_FORMAT), not malformed metadata. */
  readonly unknownIsUnsupported?: boolean;
  readonly placement: KeyPlacement;
  /** Why the rule is what it is, when it differs from the spec's wording. */
  readonly note?: string;
}

/** Content cipher of a V2 object (V1 is always CBC, V3 always GCM). */
export type ContentCipher = "cbc" | "gcm";

const ANY: KeyPlacement = "object-or-instruction-file";

const CBC_NAMES = ["AES/CBC/PKCS5Padding", "AES/CBC/PKCS7Padding"] as const;

const wrappedKey = (key: string): KeyRule => ({
  key,
  presence: "required",
  concern: "wrapped-key",
  kind: "base64",
  placement: ANY,
});
const iv = (bytes: number): KeyRule => ({
  key: Keys.IV,
  presence: "required",
  concern: "iv",
  kind: "base64",
  bytes,
  placement: ANY,
});
const description = (key: string, presence: KeyPresence): KeyRule => ({
  key,
  presence,
  concern: "description",
  kind: "json-map",
  placement: ANY,
});
const PLAINTEXT_LENGTH: KeyRule = {
  key: Keys.UNENCRYPTED_LENGTH,
  presence: "optional",
  concern: "plaintext-length",
  kind: "decimal",
  placement: ANY,
  note: "SHOULD in the spec; Java v4 does not write it and no reader relies on it",
};

/** The rule table. V2 and V3 have variants (by content cipher, by wrap algorithm). */
export const METADATA_RULES = {
  v1: [
    wrappedKey(Keys.KEY_V1),
    iv(16),
    description(Keys.MATDESC, "recommended"),
    {
      key: Keys.CEK_ALG,
      presence: "optional",
      concern: "content-algorithm",
      kind: "enum",
      values: CBC_NAMES,
      placement: ANY,
      note: "V1 does not name its algorithm; Java reads a missing or CBC x-amz-cek-alg as CBC",
    },
    PLAINTEXT_LENGTH,
  ],
  v2: {
    common: [
      {
        key: Keys.WRAP_ALG,
        presence: "required",
        concern: "wrap-algorithm",
        kind: "enum",
        values: V2_WRAP_ALGORITHMS,
        unknownIsUnsupported: true,
        placement: ANY,
      },
      {
        key: Keys.CEK_ALG,
        presence: "required",
        concern: "content-algorithm",
        kind: "enum",
        values: ["AES/GCM/NoPadding", ...CBC_NAMES],
        unknownIsUnsupported: true,
        placement: ANY,
        note: "AES/CBC/PKCS7Padding: Ruby accepts it on read",
      },
      wrappedKey(Keys.KEY_V2),
      description(Keys.MATDESC, "recommended"),
      PLAINTEXT_LENGTH,
    ],
    gcm: [
      iv(12),
      {
        key: Keys.TAG_LEN,
        presence: "recommended",
        concern: "tag-length",
        kind: "enum",
        values: ["128"],
        placement: ANY,
        note: 'MUST in the spec and Java writes it, but the Go clients write and read GCM objects without it (their published kms+context vectors have none); the tag is always 16 bytes, so a missing one is accepted and only "128" is',
      },
    ],
    cbc: [
      iv(16),
      {
        key: Keys.TAG_LEN,
        presence: "optional",
        concern: "tag-length",
        kind: "enum",
        values: [""],
        placement: ANY,
        note: 'MUST NOT for CBC; aws-sdk-go v1 instruction files always hold it, empty ("")',
      },
    ],
  },
  v3: {
    common: [
      {
        key: Keys.V3_CEK_ALG,
        presence: "required",
        concern: "content-algorithm",
        kind: "enum",
        values: ["115"],
        unknownIsUnsupported: true,
        placement: "object-only",
      },
      {
        key: Keys.V3_WRAP_ALG,
        presence: "required",
        concern: "wrap-algorithm",
        kind: "enum",
        values: Object.values(V3_WRAP_CODES),
        unknownIsUnsupported: true,
        placement: ANY,
      },
      wrappedKey(Keys.V3_KEY),
      {
        key: Keys.V3_COMMITMENT,
        presence: "required",
        concern: "commitment",
        kind: "base64",
        bytes: COMMITMENT_LENGTH,
        placement: "object-only",
      },
      {
        key: Keys.V3_MESSAGE_ID,
        presence: "required",
        concern: "message-id",
        kind: "base64",
        bytes: MESSAGE_ID_LENGTH,
        placement: "object-only",
      },
    ],
    /** `x-amz-w` = 12 (kms+context): the KMS encryption context. */
    kmsContext: [description(Keys.V3_CONTEXT, "recommended")],
    /** `x-amz-w` = 02 / 22 (raw keyrings): the material description. */
    rawKeyring: [description(Keys.V3_MATDESC, "recommended")],
  },
} as const satisfies {
  v1: readonly KeyRule[];
  v2: { common: readonly KeyRule[]; gcm: readonly KeyRule[]; cbc: readonly KeyRule[] };
  v3: { common: readonly KeyRule[]; kmsContext: readonly KeyRule[]; rawKeyring: readonly KeyRule[] };
};

/** What selects a variant: the V2 content cipher, the V3 wrap code (`x-amz-w`). */
export interface RuleVariant {
  readonly cipher?: ContentCipher;
  readonly v3WrapCode?: string;
}

/**
 * The rules of one generation. Without a variant (cipher or wrap not known yet, or invalid) only
 * the rules every variant shares are returned.
 */
export function rulesFor(generation: FormatGeneration, variant: RuleVariant = {}): readonly KeyRule[] {
  switch (generation) {
    case "v1":
      return METADATA_RULES.v1;
    case "v2": {
      const r = METADATA_RULES.v2;
      return variant.cipher ? [...r.common, ...r[variant.cipher]] : r.common;
    }
    case "v3": {
      const r = METADATA_RULES.v3;
      if (variant.v3WrapCode === V3_WRAP_CODES["kms+context"]) return [...r.common, ...r.kmsContext];
      if (
        variant.v3WrapCode !== undefined &&
        (Object.values(V3_WRAP_CODES) as string[]).includes(variant.v3WrapCode)
      )
        return [...r.common, ...r.rawKeyring];
      return r.common;
    }
  }
}

/** Every rule of a generation, all variants included. */
export function allRules(generation: FormatGeneration): readonly KeyRule[] {
  if (generation === "v1") return METADATA_RULES.v1;
  const variants = Object.values(METADATA_RULES[generation]) as readonly (readonly KeyRule[])[];
  return variants.flat();
}

const keysOf = (rules: readonly KeyRule[]) => [...new Set(rules.map((r) => r.key))];

/** Keys a generation defines (every variant). */
export function keysOfGeneration(generation: FormatGeneration): readonly string[] {
  return keysOf(allRules(generation));
}

/** Keys that only V1/V2 objects carry. */
export const V1_V2_KEYS: readonly string[] = keysOf([...allRules("v1"), ...allRules("v2")]).filter(
  (k) => k !== Keys.UNENCRYPTED_LENGTH,
);

/** Keys that only V3 objects carry. */
export const V3_KEYS: readonly string[] = keysOfGeneration("v3");

/** Keys trusted only from the object's own metadata, never from an instruction file (V3 x-amz-c/d/i, docs/formats.md#instruction-files). */
export const V3_OBJECT_ONLY_KEYS: readonly string[] = allRules("v3")
  .filter((r) => r.placement === "object-only")
  .map((r) => r.key);

/** Every key of the S3EC vocabulary. */
export const ALL_S3EC_KEYS: readonly string[] = keysOf([
  ...allRules("v1"),
  ...allRules("v2"),
  ...allRules("v3"),
]);

/** A broken rule, with the message both the decoder and the verifier use. */
export interface RuleViolation {
  readonly rule: KeyRule;
  readonly problem: "missing" | "value" | "base64" | "length";
  readonly message: string;
  /** Decoded length, for `length` violations. */
  readonly actualBytes?: number;
}

/** Checks one present value against its rule (JSON maps are parsed by the caller). */
export function checkKeyValue(rule: KeyRule, value: string): RuleViolation | undefined {
  const { key } = rule;
  switch (rule.kind) {
    case "enum":
      /* Precondition: an enumerated metadata value is one the rule table allows. */
      if (!rule.values?.includes(value)) {
        const allowed = (rule.values ?? []).map((v) => (v === "" ? '"" (empty)' : `"${v}"`)).join(" or ");
        const absent = rule.presence === "required" ? "" : " or absent";
        return {
          rule,
          problem: "value",
          message: rule.unknownIsUnsupported
            ? `unsupported ${key} "${value}" (defined: ${allowed})`
            : `${key} must be ${allowed}${absent} (found "${value}")`,
        };
      }
      return undefined;
    case "decimal":
      /* Precondition: x-amz-unencrypted-content-length is a non-negative decimal integer. */
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
        return { rule, problem: "value", message: `${key} is not a non-negative decimal integer` };
      }
      return undefined;
    case "base64": {
      let bytes: Uint8Array;
      try {
        bytes = decodeBase64(value, key);
      } catch {
        /* Precondition: base64 metadata values are standard padded base64. */
        return {
          rule,
          problem: "base64",
          message: `${key} is not valid standard base64 (${value.length} characters)`,
        };
      }
      /* Precondition: fixed-length base64 values (IV, V3 message id and commitment) have their length. */
      if (rule.bytes !== undefined && bytes.length !== rule.bytes) {
        return {
          rule,
          problem: "length",
          message: `${key} must be ${rule.bytes} bytes (found ${bytes.length})`,
          actualBytes: bytes.length,
        };
      }
      return undefined;
    }
    case "json-map":
      return undefined;
  }
}

/** Checks presence and value of every rule; returns the violations in table order. */
export function checkRules(rules: readonly KeyRule[], m: Readonly<Record<string, string>>): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const rule of rules) {
    const value = Object.hasOwn(m, rule.key) ? m[rule.key] : undefined;
    if (value === undefined) {
      /* Precondition: every required key of the detected format is present. */
      if (rule.presence !== "optional") {
        out.push({ rule, problem: "missing", message: `missing ${rule.presence} metadata ${rule.key}` });
      }
      continue;
    }
    const v = checkKeyValue(rule, value);
    if (v) out.push(v);
  }
  return out;
}

/** Present keys of the S3EC vocabulary that the rules (of the detected generation and variant) do not define. */
export function undefinedKeys(rules: readonly KeyRule[], m: Readonly<Record<string, string>>): string[] {
  const defined = new Set(rules.map((r) => r.key));
  return ALL_S3EC_KEYS.filter((k) => !defined.has(k) && Object.hasOwn(m, k));
}
