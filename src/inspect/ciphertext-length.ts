import { AES_BLOCK, type AlgorithmSuite, ciphertextLength } from "../codec/algorithm-suites.js";
import { Keys } from "../codec/metadata-keys.js";
import { type Finding, FindingCodes, finding } from "./findings.js";

export interface LengthFacts {
  /** The plaintext length: stated in metadata, or derived from the ciphertext length (GCM). */
  plaintextLength?: number;
  plaintextLengthSource?: "metadata" | "derived";
}

/**
 * Checks the object's size (S3 Content-Length, i.e. the ciphertext length) against the content
 * algorithm and `x-amz-unencrypted-content-length` (docs/formats.md#lengths).
 */
export function checkCiphertextLength(
  suite: AlgorithmSuite,
  contentLength: number | undefined,
  statedPlaintext: number | undefined,
  out: Finding[],
): LengthFacts {
  const facts: LengthFacts =
    statedPlaintext === undefined
      ? {}
      : { plaintextLength: statedPlaintext, plaintextLengthSource: "metadata" };
  if (contentLength === undefined) return facts;
  const fix = "the object was truncated or altered after upload, or the metadata belongs to another body";
  if (suite.cipher === "cbc") {
    /* Precondition: CBC ciphertext is a non-zero whole number of 16-byte blocks. */
    if (contentLength === 0 || contentLength % AES_BLOCK !== 0) {
      out.push(
        finding(
          FindingCodes.CIPHERTEXT_LENGTH,
          "error",
          `object is ${contentLength} bytes; AES-CBC ciphertext is a non-zero multiple of ${AES_BLOCK} bytes`,
          { fix },
        ),
      );
      return facts;
    }
  } else if (contentLength < suite.tagLength) {
    /* Precondition: GCM ciphertext holds at least the 16-byte tag. */
    out.push(
      finding(
        FindingCodes.CIPHERTEXT_LENGTH,
        "error",
        `object is ${contentLength} bytes; AES-GCM ciphertext is at least the ${suite.tagLength}-byte tag`,
        { fix },
      ),
    );
    return facts;
  }
  if (statedPlaintext !== undefined) {
    const expected = ciphertextLength(suite, statedPlaintext);
    /* Precondition: the ciphertext length equals the one the algorithm implies for the stated plaintext length. */
    if (expected !== contentLength) {
      const rule = suite.cipher === "cbc" ? "padded to the next 16-byte block" : "plus the 16-byte tag";
      out.push(
        finding(
          FindingCodes.CIPHERTEXT_LENGTH,
          "error",
          `object is ${contentLength} bytes but ${Keys.UNENCRYPTED_LENGTH} = ${statedPlaintext} implies ${expected} (${rule})`,
          { key: Keys.UNENCRYPTED_LENGTH, fix },
        ),
      );
    }
    return facts;
  }
  if (suite.cipher === "gcm") {
    return { plaintextLength: contentLength - suite.tagLength, plaintextLengthSource: "derived" };
  }
  return facts;
}
