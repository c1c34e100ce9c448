import { ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY } from "../codec/algorithm-suites.js";
import { V3_WRAP_CODES, type V3WrapAlgorithm } from "../codec/content-metadata.js";
import { Keys, RESERVED_CEK_ALG_CONTEXT_KEY } from "../codec/metadata-keys.js";
import { allRules, rulesFor } from "../codec/metadata-rules.js";
import { checkCiphertextLength } from "./ciphertext-length.js";
import type { DetailsDraft } from "./client-side-details.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import { reportRules } from "./rule-findings.js";
import { type CheckInput, MIXED_MARKERS } from "./v1-v2-checks.js";

export function checkV3(input: CheckInput, d: DetailsDraft, out: Finding[]): void {
  const { m } = input;
  const suite = ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
  const code = m[Keys.V3_WRAP_ALG];
  const wrap = (Object.keys(V3_WRAP_CODES) as V3WrapAlgorithm[]).find((w) => V3_WRAP_CODES[w] === code);
  const rules = wrap ? rulesFor("v3", { v3WrapCode: code! }) : rulesFor("v3");
  const r = reportRules(rules, m, wrap ? `V3 ${wrap}` : "V3", out, {
    notExtra: input.mixed ? MIXED_MARKERS.filter((k) => k === Keys.KEY_V1 || k === Keys.KEY_V2) : [],
    ...(wrap ? {} : { definedBy: allRules("v3") }),
  });
  d.contentAlgorithm = suite.contentAlgorithm;
  d.suite = suite.name;
  if (wrap) d.wrapAlgorithm = wrap;
  const key = r.bytes.get(Keys.V3_KEY);
  if (key) d.wrappedKeyLength = key.length;
  /* Precondition: raw AES-wrapped data keys have the wrap's fixed length. */
  if (key && wrap === "AES/GCM" && key.length !== 60) {
    out.push(
      finding(
        FindingCodes.WRAPPED_KEY_LENGTH,
        "error",
        `${Keys.V3_KEY} is ${key.length} bytes; AES/GCM wraps a 32-byte data key into 60`,
        { key: Keys.V3_KEY },
      ),
    );
  }
  const id = r.bytes.get(Keys.V3_MESSAGE_ID);
  if (id) d.messageIdLength = id.length;
  const commitment = r.bytes.get(Keys.V3_COMMITMENT);
  if (commitment) d.commitmentLength = commitment.length;
  // A missing x-amz-t reads as {} (rule: recommended), which lacks aws:x-amz-cek-alg: the KMS keyring refuses it.
  const context = r.bad.has(Keys.V3_CONTEXT) ? undefined : (r.maps.get(Keys.V3_CONTEXT) ?? {});
  if (wrap === "kms+context" && context) {
    if (m[Keys.V3_CONTEXT] !== undefined) d.encryptionContext = context;
    const stored = context[RESERVED_CEK_ALG_CONTEXT_KEY];
    /* Precondition: a kms+context encryption context names the object's content algorithm. */
    if (stored !== suite.contentAlgorithm) {
      out.push(
        finding(
          FindingCodes.CONTEXT_ALGORITHM_MISMATCH,
          "error",
          `${Keys.V3_CONTEXT} has ${RESERVED_CEK_ALG_CONTEXT_KEY} = ${stored === undefined ? "(none)" : `"${stored}"`}; V3 needs "115"`,
          { key: Keys.V3_CONTEXT },
        ),
      );
    }
  }
  const desc = r.maps.get(Keys.V3_MATDESC);
  if (wrap && wrap !== "kms+context" && desc) d.materialsDescription = desc;
  // V3 carries no plaintext length; a stray one (flagged as undefined for V3) is not trusted.
  Object.assign(d, checkCiphertextLength(suite, input.contentLength, undefined, out));
}
