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
  refusals: {
    "commitment-policy": /./,
    "context-mismatch": /./,
    "context-missing": /./,
    "commitment-in-instruction-file": /./,
    "legacy-wrap-with-context": /./,
    "unknown-key-in-instruction-file": /./,
  },
  rdsRefusal: /./,
});
