import { ALG_AES_256_CBC_IV16_NO_KDF, suiteForContentAlgorithm } from "../codec/algorithm-suites.js";
import { LEGACY_WRAP_ALGORITHMS, type WrapAlgorithm } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";
import { Keys, RESERVED_CEK_ALG_CONTEXT_KEY } from "../codec/metadata-keys.js";
import { allRules, rulesFor, V3_KEYS } from "../codec/metadata-rules.js";
import { checkCiphertextLength } from "./ciphertext-length.js";
import { type DetailsDraft, guessV1Wrap } from "./client-side-details.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import type { Meta } from "./metadata-values.js";
import { type RuleReport, reportRules } from "./rule-findings.js";

/** Fixed wrapped-key lengths of raw AES wraps of a 32-byte data key (docs/formats.md#raw-aes-wraps). */
const FIXED_WRAPPED_LENGTHS: Partial<Record<string, number>> = { "AES/GCM": 60, AESWrap: 40 };

/** Keys of other generations, not flagged again once the generations are reported as mixed. */
export const MIXED_MARKERS: readonly string[] = [...V3_KEYS, Keys.KEY_V1, Keys.KEY_V2];

export interface CheckInput {
  readonly m: Meta;
  readonly contentLength: number | undefined;
  /** Generations whose keys are mixed in (already reported); their keys are not flagged again. */
  readonly mixed: boolean;
}

export function checkV1(input: CheckInput, d: DetailsDraft, out: Finding[]): void {
  const { m } = input;
  const suite = ALG_AES_256_CBC_IV16_NO_KDF;
  const r = reportRules(rulesFor("v1"), m, "V1", out, { notExtra: input.mixed ? MIXED_MARKERS : [] });
  d.contentAlgorithm = suite.contentAlgorithm;
  d.suite = suite.name;
  const key = r.bytes.get(Keys.KEY_V1);
  if (key) {
    d.wrappedKeyLength = key.length;
    const guess = guessV1Wrap(key);
    if (guess) d.v1WrapGuess = guess;
  }
  const iv = r.bytes.get(Keys.IV);
  if (iv) d.ivLength = iv.length;
  const matdesc = r.maps.get(Keys.MATDESC);
  if (matdesc) d.materialsDescription = matdesc;
  Object.assign(d, checkCiphertextLength(suite, input.contentLength, statedLength(m, r), out));
  out.push(
    finding(
      FindingCodes.LEGACY_FORMAT,
      "info",
      "V1 AES-CBC is a legacy unauthenticated format (the one RDS restores); reading it needs --allow-legacy",
    ),
  );
}

/** The stated plaintext length, when present and well-formed. */
function statedLength(m: Meta, r: RuleReport): number | undefined {
  const v = m[Keys.UNENCRYPTED_LENGTH];
  return v === undefined || r.bad.has(Keys.UNENCRYPTED_LENGTH) ? undefined : Number(v);
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
  const cekAlg = m[Keys.CEK_ALG];
  const named = cekAlg === undefined ? undefined : suiteForContentAlgorithm(cekAlg);
  const common = rulesFor("v2");
  // The content algorithm picks the variant (IV length, x-amz-tag-len); unknown → shared rules only.
  const suite =
    named && !named.keyCommitting && common.some((r) => r.values?.includes(cekAlg!)) ? named : undefined;
  const rules = suite ? rulesFor("v2", { cipher: suite.cipher }) : common;
  const r = reportRules(rules, m, "V2", out, {
    notExtra: input.mixed ? MIXED_MARKERS : [],
    ...(suite ? {} : { definedBy: allRules("v2") }),
  });
  const key = r.bytes.get(Keys.KEY_V2);
  if (key) d.wrappedKeyLength = key.length;
  const wrap = m[Keys.WRAP_ALG];
  if (wrap !== undefined) d.wrapAlgorithm = wrap;
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
  const desc = r.maps.get(Keys.MATDESC);
  if (desc) {
    if (wrap === "kms" || wrap === "kms+context") d.encryptionContext = desc;
    else d.materialsDescription = desc;
  }
  if (!suite) return;
  d.contentAlgorithm = suite.contentAlgorithm;
  d.suite = suite.name;
  const iv = r.bytes.get(Keys.IV);
  if (iv) d.ivLength = iv.length;
  // A missing x-amz-matdesc reads as {}, which lacks aws:x-amz-cek-alg: the KMS keyring refuses it.
  if (wrap === "kms+context" && !r.bad.has(Keys.MATDESC))
    checkContext(desc ?? {}, suite.contentAlgorithm, Keys.MATDESC, out);
  if (desc && wrap === "kms" && Object.hasOwn(desc, RESERVED_CEK_ALG_CONTEXT_KEY)) {
    /* Precondition: a legacy kms or V1 material description does not carry aws:x-amz-cek-alg. */
    out.push(
      finding(
        FindingCodes.CONTEXT_ALGORITHM_MISMATCH,
        "error",
        `${Keys.MATDESC} holds ${RESERVED_CEK_ALG_CONTEXT_KEY}, which only kms+context writes, but ${Keys.WRAP_ALG} is "kms": a relabelled V2/V3 data key (readers refuse it)`,
        { key: Keys.WRAP_ALG },
      ),
    );
  }
  Object.assign(d, checkCiphertextLength(suite, input.contentLength, statedLength(m, r), out));
  if (
    suite.cipher === "cbc" ||
    (wrap !== undefined && LEGACY_WRAP_ALGORITHMS.includes(wrap as WrapAlgorithm))
  ) {
    const why = suite.cipher === "cbc" ? "AES-CBC content" : `the legacy wrap "${wrap}"`;
    out.push(finding(FindingCodes.LEGACY_FORMAT, "info", `V2 with ${why}: reading it needs --allow-legacy`));
  }
}
