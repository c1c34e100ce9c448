import { describe, expect, it } from "vitest";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../../src/codec/algorithm-suites.js";
import type { ContentMetadata } from "../../../src/codec/content-metadata.js";
import { ErrorCodes } from "../../../src/errors.js";
import {
  assertRangedReadAllowed,
  assertReadAllowed,
  assertWriteAllowed,
  type CommitmentPolicy,
  resolveReadPolicy,
} from "../../../src/materials/policy.js";

const common = { encryptedDataKey: new Uint8Array(1), materialsDescription: {} };
const v3: ContentMetadata = {
  ...common,
  format: "v3",
  suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  wrapAlgorithm: "kms+context",
  messageId: new Uint8Array(28),
  commitment: new Uint8Array(28),
};
const v2gcm: ContentMetadata = {
  ...common,
  format: "v2",
  suite: ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  wrapAlgorithm: "kms+context",
  iv: new Uint8Array(12),
};
const v2kms: ContentMetadata = { ...v2gcm, wrapAlgorithm: "kms" };
const v1: ContentMetadata = {
  ...common,
  format: "v1",
  suite: ALG_AES_256_CBC_IV16_NO_KDF,
  iv: new Uint8Array(16),
};

const code = (f: () => void) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe("commitment policies (same meaning as the official clients, docs/formats.md#policy-switches)", () => {
  it("reads: REQUIRE_REQUIRE reads only V3; the ALLOW_DECRYPT policies read V2/V1 too", () => {
    const policies: CommitmentPolicy[] = [
      "FORBID_ENCRYPT_ALLOW_DECRYPT",
      "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
      "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
    ];
    const table = policies.map((p) => {
      const pol = resolveReadPolicy({ commitmentPolicy: p });
      return [p, code(() => assertReadAllowed(v3, pol)), code(() => assertReadAllowed(v2gcm, pol))];
    });
    expect(table).toEqual([
      ["FORBID_ENCRYPT_ALLOW_DECRYPT", "ok", "ok"],
      ["REQUIRE_ENCRYPT_ALLOW_DECRYPT", "ok", "ok"],
      ["REQUIRE_ENCRYPT_REQUIRE_DECRYPT", "ok", ErrorCodes.COMMITMENT_POLICY],
    ]);
  });

  it("defaults to REQUIRE_ENCRYPT_REQUIRE_DECRYPT; allowLegacy relaxes it to ALLOW_DECRYPT and enables legacy modes", () => {
    expect(resolveReadPolicy()).toEqual({
      commitmentPolicy: "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
      enableLegacyUnauthenticatedModes: false,
      enableLegacyWrappingAlgorithms: false,
    });
    expect(resolveReadPolicy({ allowLegacy: true })).toEqual({
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
      enableLegacyUnauthenticatedModes: true,
      enableLegacyWrappingAlgorithms: true,
    });
    // An explicit policy wins over allowLegacy's relaxation.
    expect(
      resolveReadPolicy({ allowLegacy: true, commitmentPolicy: "REQUIRE_ENCRYPT_REQUIRE_DECRYPT" })
        .commitmentPolicy,
    ).toBe("REQUIRE_ENCRYPT_REQUIRE_DECRYPT");
  });

  it("legacy switches: CBC needs unauthenticated modes, kms and V1 wraps need legacy wrapping; errors name --allow-legacy", () => {
    const allow = resolveReadPolicy({ commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" });
    expect(() => assertReadAllowed(v1, allow)).toThrow(/--allow-legacy/);
    expect(() => assertReadAllowed(v2kms, allow)).toThrow(/legacy wrapping "kms".*--allow-legacy/);
    expect(
      code(() =>
        assertReadAllowed(
          v2kms,
          resolveReadPolicy({
            commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
            enableLegacyWrappingAlgorithms: true,
          }),
        ),
      ),
    ).toBe("ok");
    expect(code(() => assertReadAllowed(v1, resolveReadPolicy({ allowLegacy: true })))).toBe("ok");
  });

  it("writes: FORBID writes V2 (not V3); REQUIRE_* write V3 (not V2); rds (V1) is this library's explicit RDS format", () => {
    expect(code(() => assertWriteAllowed("v3", "FORBID_ENCRYPT_ALLOW_DECRYPT"))).toBe(
      ErrorCodes.COMMITMENT_POLICY,
    );
    expect(code(() => assertWriteAllowed("v2", "FORBID_ENCRYPT_ALLOW_DECRYPT"))).toBe("ok");
    expect(code(() => assertWriteAllowed("v2", "REQUIRE_ENCRYPT_ALLOW_DECRYPT"))).toBe(
      ErrorCodes.COMMITMENT_POLICY,
    );
    expect(code(() => assertWriteAllowed("v3", "REQUIRE_ENCRYPT_REQUIRE_DECRYPT"))).toBe("ok");
    expect(code(() => assertWriteAllowed("v1", "REQUIRE_ENCRYPT_REQUIRE_DECRYPT"))).toBe("ok");
  });
});

describe("ranged reads", () => {
  it("Precondition: ranged reads of GCM objects need allowUnauthenticatedRanges", () => {
    const pol = resolveReadPolicy({ allowLegacy: true });
    expect(() => assertRangedReadAllowed(v3, pol, false)).toThrow(/allowUnauthenticatedRanges: true/);
    expect(() => assertRangedReadAllowed(v2gcm, pol, false)).toThrow(
      expect.objectContaining({ code: ErrorCodes.LEGACY_MODE_REQUIRED }),
    );
    expect(code(() => assertRangedReadAllowed(v3, resolveReadPolicy(), true))).toBe("ok");
    // CBC is never authenticated; reading it (whole or ranged) already needs --allow-legacy.
    expect(code(() => assertRangedReadAllowed(v1, pol, false))).toBe("ok");
    expect(() => assertRangedReadAllowed(v1, resolveReadPolicy(), true)).toThrow(/--allow-legacy/);
  });
});
