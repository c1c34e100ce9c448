import {
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  COMMITMENT_LENGTH,
  MESSAGE_ID_LENGTH,
} from "../codec/algorithm-suites.js";
import { V3_WRAP_CODES, type V3WrapAlgorithm } from "../codec/content-metadata.js";
import { Keys, RESERVED_CEK_ALG_CONTEXT_KEY } from "../codec/metadata-keys.js";
import { checkCiphertextLength } from "./ciphertext-length.js";
import type { DetailsDraft } from "./client-side-details.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import { checkBase64, checkStringMap, flagExtraKeys, requireKeys } from "./metadata-values.js";
import type { CheckInput } from "./v1-v2-checks.js";

/** V1/V2 keys that V3 replaced (x-amz-key and x-amz-key-v2 are reported as mixed generations). */
const V1_V2_ONLY = [
  Keys.IV,
  Keys.MATDESC,
  Keys.WRAP_ALG,
  Keys.CEK_ALG,
  Keys.TAG_LEN,
  Keys.UNENCRYPTED_LENGTH,
];

function fixedLength(
  m: CheckInput["m"],
  key: string,
  expected: number,
  code: typeof FindingCodes.MESSAGE_ID_LENGTH | typeof FindingCodes.COMMITMENT_LENGTH,
  out: Finding[],
): number | undefined {
  const bytes = checkBase64(m, key, out);
  if (!bytes) return undefined;
  /* Precondition: V3 message id and commitment are 28 bytes each. */
  if (bytes.length !== expected) {
    out.push(finding(code, "error", `${key} is ${bytes.length} bytes; V3 needs ${expected}`, { key }));
  }
  return bytes.length;
}

export function checkV3(input: CheckInput, d: DetailsDraft, out: Finding[]): void {
  const { m } = input;
  const what = "V3";
  requireKeys(
    m,
    [Keys.V3_CEK_ALG, Keys.V3_KEY, Keys.V3_WRAP_ALG, Keys.V3_COMMITMENT, Keys.V3_MESSAGE_ID],
    what,
    out,
  );
  flagExtraKeys(m, V1_V2_ONLY, what, out);
  const suite = ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY;
  const c = m[Keys.V3_CEK_ALG];
  /* Precondition: V3 x-amz-c is "115". */
  if (c !== undefined && c !== suite.contentAlgorithm) {
    out.push(
      finding(
        FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM,
        "error",
        `${Keys.V3_CEK_ALG} is "${c}"; V3 needs "115"`,
        {
          key: Keys.V3_CEK_ALG,
        },
      ),
    );
  }
  d.contentAlgorithm = suite.contentAlgorithm;
  d.suite = suite.name;
  const code = m[Keys.V3_WRAP_ALG];
  const wrap = (Object.keys(V3_WRAP_CODES) as V3WrapAlgorithm[]).find((w) => V3_WRAP_CODES[w] === code);
  if (wrap) d.wrapAlgorithm = wrap;
  /* Precondition: V3 x-amz-w is 02, 12 or 22. */
  if (code !== undefined && !wrap) {
    out.push(
      finding(
        FindingCodes.UNSUPPORTED_WRAP_ALGORITHM,
        "error",
        `${Keys.V3_WRAP_ALG} is "${code}"; V3 defines 02 (AES/GCM), 12 (kms+context) and 22 (RSA-OAEP-SHA1)`,
        { key: Keys.V3_WRAP_ALG },
      ),
    );
  }
  const key = checkBase64(m, Keys.V3_KEY, out);
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
  const idLength = fixedLength(m, Keys.V3_MESSAGE_ID, MESSAGE_ID_LENGTH, FindingCodes.MESSAGE_ID_LENGTH, out);
  if (idLength !== undefined) d.messageIdLength = idLength;
  const cmLength = fixedLength(m, Keys.V3_COMMITMENT, COMMITMENT_LENGTH, FindingCodes.COMMITMENT_LENGTH, out);
  if (cmLength !== undefined) d.commitmentLength = cmLength;
  if (wrap === "kms+context") {
    requireKeys(m, [Keys.V3_CONTEXT], "V3 kms+context", out);
    flagExtraKeys(m, [Keys.V3_MATDESC], "V3 kms+context", out);
    const context = checkStringMap(m, Keys.V3_CONTEXT, out);
    if (context) {
      d.encryptionContext = context;
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
  } else if (wrap) {
    flagExtraKeys(m, [Keys.V3_CONTEXT], `V3 ${wrap}`, out);
    const desc = checkStringMap(m, Keys.V3_MATDESC, out);
    if (desc) d.materialsDescription = desc;
  }
  // V3 carries no plaintext length; a stray one (already flagged as extra) is not trusted.
  Object.assign(d, checkCiphertextLength(suite, input.contentLength, undefined, out));
}
