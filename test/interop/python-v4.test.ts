/**
 * amazon-s3-encryption-client-python 4.0.0 (PyPI, pinned in python-v4/requirements.txt) and
 * s3-cse: the shared v4 interop suite (support/v4-suite.ts) through python-v4/peer.py.
 *
 * The Python client writes object metadata only (no instruction-file writes), has no ranged GET,
 * and uploads multipart through `upload_file` (8 MiB default parts; driven here with 5 MiB).
 */
import { defineV4InteropSuite, V3_OBJECT_KEYS } from "./support/v4-suite.js";

defineV4InteropSuite({
  peer: "python",
  label: "Python S3EC 4.0.0",
  // x-amz-t is always written, holding the reserved "aws:x-amz-cek-alg": "115" even without a caller context.
  v3KeysWithContext: V3_OBJECT_KEYS,
  v3KeysWithoutContext: V3_OBJECT_KEYS,
  writesInstructionFile: false,
  multipartPartSize: 5 * 1024 * 1024,
  rangedGet: false,
  rangedGetRefusal: /Ranged gets are currently not supported/,
  refusals: {
    "commitment-policy":
      /cannot decrypt non-key-committing object when commitment policy is REQUIRE_ENCRYPT_REQUIRE_DECRYPT/,
    "context-mismatch": /Provided encryption context does not match/,
    "context-missing": /Provided encryption context does not match/,
    "commitment-in-instruction-file": /instruction file contains object metadata exclusive mapkeys/,
    "legacy-wrap-with-context":
      /Encryption context is not supported with the KmsV1 \(kms\) wrapping algorithm/,
    "unknown-key-in-instruction-file": /Instruction file contains invalid keys/,
  },
  rdsRefusal: /None is not a valid key wrapping algorithm/,
});
