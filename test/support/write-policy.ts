import type { WriteFormat } from "../../src/materials/materials.js";
import type { CommitmentPolicy } from "../../src/materials/policy.js";

/**
 * A commitment policy that writes `format`: V2 needs FORBID_ENCRYPT_ALLOW_DECRYPT (the default,
 * REQUIRE_ENCRYPT_REQUIRE_DECRYPT, refuses it); V3 and rds are written under the default.
 */
export const writePolicyFor = (format: WriteFormat): CommitmentPolicy =>
  format === "v2" ? "FORBID_ENCRYPT_ALLOW_DECRYPT" : "REQUIRE_ENCRYPT_REQUIRE_DECRYPT";
