/**
 * github.com/aws/amazon-s3-encryption-client-go/v4 v4.0.0 (Go module proxy, pinned in
 * go-v4/go.mod + go.sum) and s3-cse: the shared v4 interop suite (support/v4-suite.ts) through
 * the peer program go-v4/main.go.
 *
 * The Go v4 client writes object metadata only (no instruction-file writes), has no multipart
 * upload and no ranged GET.
 */
import { defineV4InteropSuite } from "./support/v4-suite.js";

defineV4InteropSuite({
  peer: "go",
  label: "Go S3EC v4.0.0",
  writesInstructionFile: false,
  rangedGet: false,
  rangedGetRefusal: /./,
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
