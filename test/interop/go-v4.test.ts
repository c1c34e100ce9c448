/**
 * github.com/aws/amazon-s3-encryption-client-go/v4 v4.0.0 (Go module proxy, pinned in
 * go-v4/go.mod + go.sum) and s3-cse: the shared v4 interop suite (support/v4-suite.ts) through
 * the peer program go-v4/main.go.
 *
 * The Go v4 client writes object metadata only (no instruction-file writes), has no multipart
 * upload and no ranged GET.
 */
import { defineV4InteropSuite, V3_OBJECT_KEYS } from "./support/v4-suite.js";

/**
 * Go also writes an empty x-amz-m and an empty x-amz-unencrypted-content-length on every V3 object,
 * and x-amz-t always (with the reserved "aws:x-amz-cek-alg": "115" even without a caller context).
 */
const GO_V3_KEYS = [...V3_OBJECT_KEYS, "x-amz-m", "x-amz-unencrypted-content-length"].sort();

defineV4InteropSuite({
  peer: "go",
  label: "Go S3EC v4.0.0",
  v3KeysWithContext: GO_V3_KEYS,
  v3KeysWithoutContext: GO_V3_KEYS,
  writesInstructionFile: false,
  rangedGet: false,
  // GetObject has no ranged mode: a Range header reaches S3, and the partial body fails the GCM tag.
  rangedGetRefusal: /cipher: message authentication failed/,
  refusals: {
    "commitment-policy": /commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT does not allow decryption/,
    "context-mismatch": /Provided encryption context does not match information retrieved from S3/,
    // Go compares contexts only when the caller passes one.
    "context-missing": "reads",
    "commitment-in-instruction-file": /missing V3 header values in instruction file format/,
    // Refused, but by the context comparison (stored {kms_cmk_id} minus reserved keys is {}), not by a kms-specific rule.
    "legacy-wrap-with-context": /Provided encryption context does not match information retrieved from S3/,
    // Go unmarshals the instruction file into a struct and ignores unknown entries.
    "unknown-key-in-instruction-file": "reads",
  },
  rdsRefusal: /V1NotSupportedError: The AWS SDK for Go does not support version 1/,
});
