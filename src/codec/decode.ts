import { ErrorCodes, FormatError, SecurityError } from "../errors.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  suiteForContentAlgorithm,
} from "./algorithm-suites.js";
import { decodeBase64 } from "./base64.js";
import type {
  ContentMetadata,
  MetadataLocation,
  V1ContentMetadata,
  V2ContentMetadata,
  V3ContentMetadata,
  V3WrapAlgorithm,
  WrapAlgorithm,
} from "./content-metadata.js";
import { V3_WRAP_CODES } from "./content-metadata.js";
import { parseStringMap } from "./json-map.js";
import { Keys, normalizeMetadata } from "./metadata-keys.js";
import { ALL_S3EC_KEYS, checkRules, type KeyRule, rulesFor, V3_OBJECT_ONLY_KEYS } from "./metadata-rules.js";

type Meta = Record<string, string>;

const has = (m: Meta, k: string) => Object.hasOwn(m, k);

function invalid(message: string): FormatError {
  return new FormatError(ErrorCodes.INVALID_METADATA, message);
}

/** Decides where the encryption metadata lives, from object metadata alone (docs/formats.md#format-detection). */
export function locateContentMetadata(
  objectMetadata: Readonly<Record<string, string | undefined>>,
): MetadataLocation {
  const m = normalizeMetadata(objectMetadata);
  assertSingleGeneration(m);
  if (has(m, Keys.IV) && (has(m, Keys.KEY_V1) || has(m, Keys.KEY_V2))) {
    return { kind: "object", generation: has(m, Keys.KEY_V2) ? "v2" : "v1" };
  }
  const v3Core = has(m, Keys.V3_CEK_ALG) && has(m, Keys.V3_COMMITMENT) && has(m, Keys.V3_MESSAGE_ID);
  if (v3Core && has(m, Keys.V3_KEY)) return { kind: "object", generation: "v3" };
  if (v3Core) return { kind: "v3-instruction-file" };
  return { kind: "instruction-file" };
}

/* Precondition: keys exclusive to different format generations must not be mixed. */
function assertSingleGeneration(m: Meta): void {
  const v1 = has(m, Keys.KEY_V1);
  const v2 = has(m, Keys.KEY_V2);
  const v3 =
    has(m, Keys.V3_KEY) ||
    has(m, Keys.V3_COMMITMENT) ||
    has(m, Keys.V3_MESSAGE_ID) ||
    has(m, Keys.V3_CEK_ALG);
  if ([v1, v2, v3].filter(Boolean).length > 1) {
    const found = [v1 && Keys.KEY_V1, v2 && Keys.KEY_V2, v3 && "V3 keys (x-amz-3/c/d/i)"].filter(Boolean);
    throw invalid(`metadata mixes keys of different format generations: ${found.join(", ")}`);
  }
}

/**
 * Decodes S3EC metadata into a value object. `objectMetadata` is the object's user metadata
 * (HeadObject `Metadata`, prefix optional); `instructionFile` the parsed JSON body of
 * `<key>.instruction`, when the object's metadata points there.
 */
export function decodeContentMetadata(
  objectMetadata: Readonly<Record<string, string | undefined>>,
  instructionFile?: Readonly<Record<string, string>>,
): ContentMetadata {
  const obj = normalizeMetadata(objectMetadata);
  const location = locateContentMetadata(obj);
  if (location.kind === "object") return decodeMap(obj);
  /* Precondition: metadata stored in an instruction file needs that file. */
  if (!instructionFile) {
    if (location.kind === "v3-instruction-file") {
      throw invalid("V3 object metadata (x-amz-c/d/i) needs its instruction file, which was not supplied");
    }
    throw new FormatError(
      ErrorCodes.UNSUPPORTED_FORMAT,
      "object metadata carries no S3 client-side encryption keys (x-amz-key, x-amz-key-v2 or x-amz-3) and no instruction file was supplied",
    );
  }
  const instr = normalizeMetadata(instructionFile);
  // Java v4 refuses these in any instruction file (a security exception on the V3 path; a V1/V2
  // instruction file holding a V3 map fails its V1/V2 format check): the commitment and message id
  // are trusted only from the object's own metadata, which the instruction file cannot replace.
  /* Precondition: an instruction file must not carry x-amz-c, x-amz-d or x-amz-i. */
  const smuggled = V3_OBJECT_ONLY_KEYS.filter((k) => has(instr, k));
  if (smuggled.length > 0) {
    throw new SecurityError(
      ErrorCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS,
      `instruction file must not contain ${smuggled.join(", ")}: V3 keeps them on the object's own metadata, and they are trusted only from there`,
    );
  }
  // The official Python v4 client refuses an instruction file with an entry no format defines
  // (Go and Java ignore it); s3-cse refuses it too: nothing unverified rides along with the key.
  /* Precondition: an instruction file carries only keys of the S3EC vocabulary. */
  const unknown = Object.keys(instr).filter((k) => !ALL_S3EC_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new SecurityError(
      ErrorCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS,
      `instruction file contains ${unknown.length === 1 ? "an entry" : "entries"} no S3 Encryption Client format defines: ${unknown.join(", ")}`,
    );
  }
  if (location.kind === "v3-instruction-file") {
    const merged = { ...instr };
    for (const k of V3_OBJECT_ONLY_KEYS) merged[k] = obj[k]!;
    return decodeMap(merged);
  }
  const merged = { ...instr };
  // Object metadata may still carry the plaintext length.
  if (has(obj, Keys.UNENCRYPTED_LENGTH) && !has(merged, Keys.UNENCRYPTED_LENGTH)) {
    merged[Keys.UNENCRYPTED_LENGTH] = obj[Keys.UNENCRYPTED_LENGTH]!;
  }
  return decodeMap(merged);
}

function decodeMap(m: Meta): ContentMetadata {
  assertSingleGeneration(m);
  if (has(m, Keys.KEY_V2)) return decodeV2(m);
  if (has(m, Keys.KEY_V1)) return decodeV1(m);
  if (has(m, Keys.V3_KEY)) return decodeV3(m);
  throw new FormatError(ErrorCodes.UNSUPPORTED_FORMAT, "no S3 client-side encryption keys found");
}

/** Throws the first violation of the rule table: a missing required key or a value it does not allow. */
function enforce(rules: readonly KeyRule[], m: Meta): void {
  for (const v of checkRules(rules, m)) {
    // Recommended keys have defaults (matdesc {}, tag length 128): readers accept them missing.
    if (v.problem === "missing" && v.rule.presence !== "required") continue;
    throw new FormatError(
      v.problem === "value" && v.rule.unknownIsUnsupported
        ? ErrorCodes.UNSUPPORTED_FORMAT
        : ErrorCodes.INVALID_METADATA,
      v.message,
    );
  }
}

/** Value of a key the rules already checked (base64 keys decode cleanly). */
const bytesOf = (m: Meta, key: string) => decodeBase64(m[key]!, key);

function unencryptedLength(m: Meta): { unencryptedContentLength?: number } {
  const v = m[Keys.UNENCRYPTED_LENGTH];
  return v === undefined ? {} : { unencryptedContentLength: Number(v) };
}

function decodeV1(m: Meta): V1ContentMetadata {
  enforce(rulesFor("v1"), m);
  return {
    format: "v1" as const,
    suite: ALG_AES_256_CBC_IV16_NO_KDF,
    encryptedDataKey: bytesOf(m, Keys.KEY_V1),
    iv: bytesOf(m, Keys.IV),
    materialsDescription: parseStringMap(m[Keys.MATDESC], Keys.MATDESC),
    ...unencryptedLength(m),
  };
}

function decodeV2(m: Meta): V2ContentMetadata {
  enforce(rulesFor("v2"), m);
  const suite = suiteForContentAlgorithm(m[Keys.CEK_ALG]!)!;
  enforce(rulesFor("v2", { cipher: suite.cipher }), m);
  return {
    format: "v2" as const,
    suite,
    wrapAlgorithm: m[Keys.WRAP_ALG] as WrapAlgorithm,
    encryptedDataKey: bytesOf(m, Keys.KEY_V2),
    iv: bytesOf(m, Keys.IV),
    materialsDescription: parseStringMap(m[Keys.MATDESC], Keys.MATDESC),
    ...(suite.cipher === "gcm" ? { tagLengthBits: 128 } : {}),
    ...unencryptedLength(m),
  };
}

function decodeV3(m: Meta): V3ContentMetadata {
  enforce(rulesFor("v3"), m);
  const code = m[Keys.V3_WRAP_ALG]!;
  enforce(rulesFor("v3", { v3WrapCode: code }), m);
  const wrap = (Object.keys(V3_WRAP_CODES) as V3WrapAlgorithm[]).find((w) => V3_WRAP_CODES[w] === code)!;
  const descKey = wrap === "kms+context" ? Keys.V3_CONTEXT : Keys.V3_MATDESC;
  return {
    format: "v3",
    suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    wrapAlgorithm: wrap,
    encryptedDataKey: bytesOf(m, Keys.V3_KEY),
    materialsDescription: parseStringMap(m[descKey], descKey),
    messageId: bytesOf(m, Keys.V3_MESSAGE_ID),
    commitment: bytesOf(m, Keys.V3_COMMITMENT),
  };
}

/** Parses an instruction file's JSON body into a metadata map (docs/formats.md#instruction-files). */
export function parseInstructionFile(body: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new FormatError(ErrorCodes.INVALID_METADATA, "instruction file is not valid JSON", { cause });
  }
  /* Precondition: an instruction file is a JSON object of string values. */
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalid("instruction file must be a JSON object");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v !== "string") throw invalid(`instruction file entry "${k}" must be a string`);
    out[k.toLowerCase()] = v;
  }
  // The old .NET V1 client wrote {"EncryptedEnvelopeKey": …, "IV": …} (docs/formats.md#instruction-files).
  if (out.encryptedenvelopekey !== undefined && out.iv !== undefined && out[Keys.KEY_V1] === undefined) {
    return { [Keys.KEY_V1]: out.encryptedenvelopekey, [Keys.IV]: out.iv, [Keys.MATDESC]: "{}" };
  }
  return out;
}
