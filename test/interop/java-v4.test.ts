/**
 * software.amazon.encryption.s3:amazon-s3-encryption-client-java 4.0.0 (Maven Central, pinned in
 * java-v4/pom.xml with the AWS SDK BOM 2.59.1) and s3-cse: the shared v4 interop suite
 * (support/v4-suite.ts) through the peer program java-v4/src/main/java/s3cse/interop/Peer.java.
 */
import { defineV4InteropSuite, V3_OBJECT_KEYS } from "./support/v4-suite.js";

defineV4InteropSuite({
  peer: "java",
  label: "Java S3EC 4.0.0",
  v3KeysWithContext: V3_OBJECT_KEYS,
  v3KeysWithoutContext: V3_OBJECT_KEYS,
  writesInstructionFile: true,
  multipartPartSize: 5 * 1024 * 1024,
  rangedGet: true,
  // "Enable legacy unauthenticated modes to use Ranged Get."
  rangedGetNeedsLegacy: true,
  refusals: {
    "commitment-policy": /Commitment policy violation, decryption requires a committing algorithm suite/,
    "context-mismatch": /Provided encryption context does not match information retrieved from S3/,
    "context-missing": /Provided encryption context does not match information retrieved from S3/,
    "commitment-in-instruction-file":
      /Instruction file is tampered, instruction file contains object metadata exclusive mapkeys/,
    // Java 4.0.0 reads a legacy `kms` object even when the caller passes an encryption context (Python refuses).
    "legacy-wrap-with-context": "reads",
    // Java 4.0.0 ignores unknown entries in an instruction file (Python refuses).
    "unknown-key-in-instruction-file": "reads",
  },
  // Java classifies an x-amz-key object without x-amz-wrap-alg as RSA-wrapped, and the KMS keyring refuses it.
  rdsRefusal: /The keyring does not support the object's key wrapping algorithm: RSA/,
});
