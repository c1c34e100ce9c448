import { ErrorCodes, FormatError, SecurityError } from "../errors.js";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  COMMITMENT_LENGTH,
  MESSAGE_ID_LENGTH,
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
import { V2_WRAP_ALGORITHMS, V3_WRAP_CODES } from "./content-metadata.js";
import { parseStringMap } from "./json-map.js";
import { Keys, normalizeMetadata, V3_OBJECT_ONLY_KEYS } from "./metadata-keys.js";

type Meta = Record<string, string>;

const has = (m: Meta, k: string) => Object.hasOwn(m, k);

function invalid(message: string): FormatError {
  return new FormatError(ErrorCodes.INVALID_METADATA, message);
}

/** Decides where the encryption metadata lives, from object metadata alone (spec §2.4). */
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

function required(m: Meta, key: string): string {
  const v = m[key];
  /* Precondition: every MUST key of the detected format is present. */
  if (v === undefined) throw invalid(`missing required metadata ${key}`);
  return v;
}

function ivOf(m: Meta, expected: number, what: string): Uint8Array {
  const iv = decodeBase64(required(m, Keys.IV), Keys.IV);
  /* Precondition: the IV length matches the content algorithm. */
  if (iv.length !== expected) {
    throw invalid(`${Keys.IV} is ${iv.length} bytes; ${what} needs ${expected}`);
  }
  return iv;
}

function unencryptedLength(m: Meta): number | undefined {
  const v = m[Keys.UNENCRYPTED_LENGTH];
  if (v === undefined) return undefined;
  /* Precondition: x-amz-unencrypted-content-length is a non-negative decimal integer. */
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw invalid(`${Keys.UNENCRYPTED_LENGTH} is not a non-negative decimal integer`);
  }
  return Number(v);
}

function decodeV1(m: Meta): V1ContentMetadata {
  const cekAlg = m[Keys.CEK_ALG];
  /* Precondition: a V1 object's content algorithm, when named, is CBC. */
  if (cekAlg !== undefined && suiteForContentAlgorithm(cekAlg)?.cipher !== "cbc") {
    throw invalid(`V1 object (${Keys.KEY_V1}) names content algorithm "${cekAlg}"; V1 is CBC only`);
  }
  const base = {
    format: "v1" as const,
    suite: ALG_AES_256_CBC_IV16_NO_KDF,
    encryptedDataKey: decodeBase64(required(m, Keys.KEY_V1), Keys.KEY_V1),
    iv: ivOf(m, 16, "AES-CBC"),
    materialsDescription: parseStringMap(m[Keys.MATDESC], Keys.MATDESC),
  };
  const length = unencryptedLength(m);
  return length === undefined ? base : { ...base, unencryptedContentLength: length };
}

function decodeV2(m: Meta): V2ContentMetadata {
  const cekAlg = required(m, Keys.CEK_ALG);
  const suite = suiteForContentAlgorithm(cekAlg);
  /* Precondition: V2 content algorithm is AES/GCM/NoPadding or AES/CBC/PKCS5Padding. */
  if (!suite || suite.keyCommitting) {
    throw new FormatError(ErrorCodes.UNSUPPORTED_FORMAT, `unsupported ${Keys.CEK_ALG} "${cekAlg}" for V2`);
  }
  const wrap = required(m, Keys.WRAP_ALG);
  /* Precondition: V2 wrap algorithm is one the S3 Encryption Clients define. */
  if (!V2_WRAP_ALGORITHMS.includes(wrap as WrapAlgorithm)) {
    throw new FormatError(ErrorCodes.UNSUPPORTED_FORMAT, `unsupported ${Keys.WRAP_ALG} "${wrap}"`);
  }
  const tagLen = m[Keys.TAG_LEN];
  if (suite.cipher === "gcm") {
    // The spec says MUST; Java requires it, but the Go clients read objects without it (their
    // published kms+context vector has none). The tag is always 16 bytes, so absence is harmless.
    /* Precondition: V2 GCM objects carry no x-amz-tag-len or x-amz-tag-len = 128. */
    if (tagLen !== undefined && tagLen !== "128")
      throw invalid(`${Keys.TAG_LEN} must be "128" for AES/GCM (found "${tagLen}")`);
  } else if (tagLen !== undefined && tagLen !== "") {
    // aws-sdk-go v1 instruction files always hold "x-amz-tag-len", empty for CBC (docs/interop.md).
    /* Precondition: V2 CBC objects carry no x-amz-tag-len or an empty one. */
    throw invalid(`${Keys.TAG_LEN} must be absent (or empty) for AES/CBC`);
  }
  const base = {
    format: "v2" as const,
    suite,
    wrapAlgorithm: wrap as WrapAlgorithm,
    encryptedDataKey: decodeBase64(required(m, Keys.KEY_V2), Keys.KEY_V2),
    iv: ivOf(m, suite.ivLength, suite.cipher === "gcm" ? "AES-GCM" : "AES-CBC"),
    materialsDescription: parseStringMap(m[Keys.MATDESC], Keys.MATDESC),
    ...(suite.cipher === "gcm" ? { tagLengthBits: 128 } : {}),
  };
  const length = unencryptedLength(m);
  return length === undefined ? base : { ...base, unencryptedContentLength: length };
}

function decodeV3(m: Meta): V3ContentMetadata {
  const c = required(m, Keys.V3_CEK_ALG);
  const suite = suiteForContentAlgorithm(c);
  /* Precondition: V3 x-amz-c is "115". */
  if (c !== "115" || !suite)
    throw new FormatError(ErrorCodes.UNSUPPORTED_FORMAT, `unsupported ${Keys.V3_CEK_ALG} "${c}"`);
  const code = required(m, Keys.V3_WRAP_ALG);
  const wrap = (Object.keys(V3_WRAP_CODES) as V3WrapAlgorithm[]).find((w) => V3_WRAP_CODES[w] === code);
  /* Precondition: V3 x-amz-w is 02, 12 or 22. */
  if (!wrap)
    throw new FormatError(ErrorCodes.UNSUPPORTED_FORMAT, `unsupported ${Keys.V3_WRAP_ALG} "${code}"`);
  const messageId = decodeBase64(required(m, Keys.V3_MESSAGE_ID), Keys.V3_MESSAGE_ID);
  const commitment = decodeBase64(required(m, Keys.V3_COMMITMENT), Keys.V3_COMMITMENT);
  /* Precondition: V3 message id and commitment are 28 bytes each. */
  if (messageId.length !== MESSAGE_ID_LENGTH)
    throw invalid(`${Keys.V3_MESSAGE_ID} must be ${MESSAGE_ID_LENGTH} bytes`);
  if (commitment.length !== COMMITMENT_LENGTH)
    throw invalid(`${Keys.V3_COMMITMENT} must be ${COMMITMENT_LENGTH} bytes`);
  const descKey = wrap === "kms+context" ? Keys.V3_CONTEXT : Keys.V3_MATDESC;
  return {
    format: "v3",
    suite,
    wrapAlgorithm: wrap,
    encryptedDataKey: decodeBase64(required(m, Keys.V3_KEY), Keys.V3_KEY),
    materialsDescription: parseStringMap(m[descKey], descKey),
    messageId,
    commitment,
  };
}

/** Parses an instruction file's JSON body into a metadata map (spec §4). */
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
  // The old .NET V1 client wrote {"EncryptedEnvelopeKey": …, "IV": …} (spec §4).
  if (out.encryptedenvelopekey !== undefined && out.iv !== undefined && out[Keys.KEY_V1] === undefined) {
    return { [Keys.KEY_V1]: out.encryptedenvelopekey, [Keys.IV]: out.iv, [Keys.MATDESC]: "{}" };
  }
  return out;
}
