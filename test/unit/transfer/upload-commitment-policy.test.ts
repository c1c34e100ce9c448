import { describe, expect, it } from "vitest";
import type { CommitmentPolicy } from "../../../src/materials/policy.js";
import type { EncryptAndUploadOptions } from "../../../src/transfer/upload-options.js";
import { validateUploadOptions } from "../../../src/transfer/upload-options.js";

const table: [CommitmentPolicy, "rds" | "v2" | "v3", boolean][] = [
  ["FORBID_ENCRYPT_ALLOW_DECRYPT", "rds", true],
  ["FORBID_ENCRYPT_ALLOW_DECRYPT", "v2", true],
  ["FORBID_ENCRYPT_ALLOW_DECRYPT", "v3", false],
  ["REQUIRE_ENCRYPT_ALLOW_DECRYPT", "rds", true],
  ["REQUIRE_ENCRYPT_ALLOW_DECRYPT", "v2", false],
  ["REQUIRE_ENCRYPT_ALLOW_DECRYPT", "v3", true],
  ["REQUIRE_ENCRYPT_REQUIRE_DECRYPT", "rds", true],
  ["REQUIRE_ENCRYPT_REQUIRE_DECRYPT", "v2", false],
  ["REQUIRE_ENCRYPT_REQUIRE_DECRYPT", "v3", true],
];

describe("encryptAndUpload options", () => {
  it.each(table)(
    "Precondition: the write format agrees with the commitment policy (%s × %s → %s)",
    (policy, format, ok) => {
      const o = {
        s3: { send: async () => ({}) },
        bucket: "b",
        key: "k",
        source: [],
        format,
        commitmentPolicy: policy,
      } as unknown as EncryptAndUploadOptions;
      if (ok) expect(() => validateUploadOptions(o)).not.toThrow();
      else
        expect(() => validateUploadOptions(o)).toThrow(
          expect.objectContaining({ code: "COMMITMENT_POLICY" }),
        );
    },
  );
});
