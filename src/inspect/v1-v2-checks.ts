import { ALG_AES_256_CBC_IV16_NO_KDF, suiteForContentAlgorithm } from "../codec/algorithm-suites.js";
import { LEGACY_WRAP_ALGORITHMS, V2_WRAP_ALGORITHMS, type WrapAlgorithm } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import { Keys, RESERVED_CEK_ALG_CONTEXT_KEY, V3_KEYS } from "../codec/metadata-keys.js";
import { checkCiphertextLength } from "./ciphertext-length.js";
import { type DetailsDraft, guessV1Wrap } from "./client-side-details.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import {
  checkBase64,
  checkStringMap,
  checkUnencryptedLength,
  flagExtraKeys,
  type Meta,
  requireKeys,
} from "./metadata-values.js";

/** Fixed wrapped-key lengths of raw AES wraps of a 32-byte data key (spec §3.2). */
const FIXED_WRAPPED_LENGTHS: Partial<Record<string, number>> = { "AES/GCM": 60, AESWrap: 40 };

export interface CheckInput {
  readonly m: Meta;
  readonly contentLength: number | undefined;
  /** Generations whose keys are mixed in (already reported); their keys are not flagged again. */
  readonly mixed: boolean;
}

function ivCheck(m: Meta, expected: number, what: string, d: DetailsDraft, out: Finding[]): void {
  const iv = checkBase64(m, Keys.IV, out);
  if (!iv) return;
  d.ivLength = iv.length;
  /* Precondition: the IV length matches the content algorithm. */
  if (iv.length !== expected) {
    out.push(
      finding(
        FindingCodes.IV_LENGTH,
        "error",
        `${Keys.IV} is ${iv.length} bytes; ${what} needs ${expected}`,
        {
          key: Keys.IV,
        },
      ),
    );
  }
}

export function checkV1(input: CheckInput, d: DetailsDraft, out: Finding[]): void {
  const { m } = input;
  const what = "V1";
  requireKeys(m, [Keys.KEY_V1, Keys.IV], what, out);
  requireKeys(m, [Keys.MATDESC], what, out, "warning");
  const cekAlg = m[Keys.CEK_ALG];
  /* Precondition: a V1 object's content algorithm, when named, is CBC. */
  if (cekAlg !== undefined && suiteForContentAlgorithm(cekAlg)?.cipher !== "cbc") {
    out.push(
      finding(
        FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM,
        "error",
        `V1 object (${Keys.KEY_V1}) names content algorithm "${cekAlg}"; V1 is AES-CBC only`,
        { key: Keys.CEK_ALG },
      ),
    );
  } else {
    flagExtraKeys(m, [Keys.CEK_ALG], what, out);
  }
  flagExtraKeys(m, [Keys.WRAP_ALG, Keys.TAG_LEN, ...(input.mixed ? [] : V3_KEYS)], what, out);
  const suite = ALG_AES_256_CBC_IV16_NO_KDF;
  d.contentAlgorithm = suite.contentAlgorithm;
  d.suite = suite.name;
  const key = checkBase64(m, Keys.KEY_V1, out);
  if (key) {
    d.wrappedKeyLength = key.length;
    const guess = guessV1Wrap(key);
    if (guess) d.v1WrapGuess = guess;
  }
  ivCheck(m, suite.ivLength, "AES-CBC", d, out);
  const matdesc = checkStringMap(m, Keys.MATDESC, out);
  if (matdesc) d.materialsDescription = matdesc;
  const stated = checkUnencryptedLength(m, out);
  Object.assign(d, checkCiphertextLength(suite, input.contentLength, stated, out));
  out.push(
    finding(
      FindingCodes.LEGACY_FORMAT,
      "info",
      "V1 AES-CBC is a legacy unauthenticated format (the one RDS restores); reading it needs --allow-legacy",
    ),
  );
}

function checkContext(context: StringMap, contentAlgorithm: string, key: string, out: Finding[]): void {
  const stored = context[RESERVED_CEK_ALG_CONTEXT_KEY];
  /* Precondition: a kms+context encryption context names the object's content algorithm. */
  if (stored !== contentAlgorithm) {
    out.push(
      finding(
        FindingCodes.CONTEXT_ALGORITHM_MISMATCH,
        "error",
        `${key} has ${RESERVED_CEK_ALG_CONTEXT_KEY} = ${stored === undefined ? "(none)" : `"${stored}"`}; the content algorithm is ${contentAlgorithm}`,
        { key },
      ),
    );
  }
}

export function checkV2(input: CheckInput, d: DetailsDraft, out: Finding[]): void {
  const { m } = input;
  const what = "V2";
  requireKeys(m, [Keys.KEY_V2, Keys.IV, Keys.CEK_ALG, Keys.WRAP_ALG], what, out);
  requireKeys(m, [Keys.MATDESC], what, out, "warning");
  if (!input.mixed) flagExtraKeys(m, V3_KEYS, what, out);
  const key = checkBase64(m, Keys.KEY_V2, out);
  if (key) d.wrappedKeyLength = key.length;
  const cekAlg = m[Keys.CEK_ALG];
  const suite = cekAlg === undefined ? undefined : suiteForContentAlgorithm(cekAlg);
  /* Precondition: V2 content algorithm is AES/GCM/NoPadding or AES/CBC/PKCS5Padding. */
  if (cekAlg !== undefined && (!suite || suite.keyCommitting)) {
    out.push(
      finding(
        FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM,
        "error",
        `${Keys.CEK_ALG} "${cekAlg}" is not a V2 content algorithm (AES/GCM/NoPadding or AES/CBC/PKCS5Padding)`,
        { key: Keys.CEK_ALG },
      ),
    );
  }
  const wrap = m[Keys.WRAP_ALG];
  if (wrap !== undefined) d.wrapAlgorithm = wrap;
  /* Precondition: V2 wrap algorithm is one the S3 Encryption Clients define. */
  if (wrap !== undefined && !V2_WRAP_ALGORITHMS.includes(wrap as WrapAlgorithm)) {
    out.push(
      finding(FindingCodes.UNSUPPORTED_WRAP_ALGORITHM, "error", `${Keys.WRAP_ALG} "${wrap}" is not defined`, {
        key: Keys.WRAP_ALG,
      }),
    );
  }
  const expectedWrapped = wrap === undefined ? undefined : FIXED_WRAPPED_LENGTHS[wrap];
  /* Precondition: raw AES-wrapped data keys have the wrap's fixed length. */
  if (key && expectedWrapped !== undefined && key.length !== expectedWrapped) {
    out.push(
      finding(
        FindingCodes.WRAPPED_KEY_LENGTH,
        "error",
        `${Keys.KEY_V2} is ${key.length} bytes; ${wrap} wraps a 32-byte data key into ${expectedWrapped}`,
        { key: Keys.KEY_V2 },
      ),
    );
  }
  const desc = checkStringMap(m, Keys.MATDESC, out);
  if (desc) {
    if (wrap === "kms" || wrap === "kms+context") d.encryptionContext = desc;
    else d.materialsDescription = desc;
  }
  const tagLen = m[Keys.TAG_LEN];
  if (suite && !suite.keyCommitting) {
    d.contentAlgorithm = suite.contentAlgorithm;
    d.suite = suite.name;
    ivCheck(m, suite.ivLength, suite.cipher === "gcm" ? "AES-GCM" : "AES-CBC", d, out);
    if (suite.cipher === "gcm" && tagLen !== "128") {
      /* Precondition: V2 GCM objects carry x-amz-tag-len = 128. */
      out.push(
        finding(
          FindingCodes.TAG_LENGTH,
          "error",
          `${Keys.TAG_LEN} is ${tagLen === undefined ? "missing" : `"${tagLen}"`}; AES-GCM objects need "128"`,
          { key: Keys.TAG_LEN },
        ),
      );
    } else if (suite.cipher === "cbc" && tagLen !== "") {
      // aws-sdk-go v1 instruction files always hold "x-amz-tag-len", empty for CBC (docs/interop.md).
      /* Precondition: V2 CBC objects carry no x-amz-tag-len or an empty one. */
      flagExtraKeys(m, [Keys.TAG_LEN], "V2 AES-CBC", out, "error");
    }
    if (desc && wrap === "kms+context") checkContext(desc, suite.contentAlgorithm, Keys.MATDESC, out);
    const stated = checkUnencryptedLength(m, out);
    Object.assign(d, checkCiphertextLength(suite, input.contentLength, stated, out));
    if (
      suite.cipher === "cbc" ||
      (wrap !== undefined && LEGACY_WRAP_ALGORITHMS.includes(wrap as WrapAlgorithm))
    ) {
      const why = suite.cipher === "cbc" ? "AES-CBC content" : `the legacy wrap "${wrap}"`;
      out.push(
        finding(FindingCodes.LEGACY_FORMAT, "info", `V2 with ${why}: reading it needs --allow-legacy`),
      );
    }
  } else {
    checkUnencryptedLength(m, out);
  }
}
