import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../../src/codec/algorithm-suites.js";
import type { ContentMetadata, WrapAlgorithm } from "../../../src/codec/content-metadata.js";
import { ErrorCodes, LegacyModeError } from "../../../src/errors.js";
import { assertReadAllowed, resolveReadPolicy } from "../../../src/materials/policy.js";

const common = { encryptedDataKey: randomBytes(10), materialsDescription: {} };
const v1: ContentMetadata = {
  format: "v1",
  suite: ALG_AES_256_CBC_IV16_NO_KDF,
  iv: randomBytes(16),
  ...common,
};
const v2 = (wrap: WrapAlgorithm, cbc = false): ContentMetadata => ({
  format: "v2",
  suite: cbc ? ALG_AES_256_CBC_IV16_NO_KDF : ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
  wrapAlgorithm: wrap,
  iv: randomBytes(cbc ? 16 : 12),
  ...common,
});
const v3: ContentMetadata = {
  format: "v3",
  suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  wrapAlgorithm: "kms+context",
  messageId: randomBytes(28),
  commitment: randomBytes(28),
  ...common,
};

describe("read policy", () => {
  it("defaults to the official v4 clients' REQUIRE_ENCRYPT_REQUIRE_DECRYPT: V3 only", () => {
    const p = resolveReadPolicy();
    expect(() => assertReadAllowed(v3, p)).not.toThrow();
    expect(() => assertReadAllowed(v2("kms+context"), p)).toThrow(
      expect.objectContaining({ code: ErrorCodes.COMMITMENT_POLICY }),
    );
  });

  it("Precondition: CBC content is readable only with legacy unauthenticated modes enabled", () => {
    const err = (() => {
      try {
        assertReadAllowed(v1, resolveReadPolicy({ commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LegacyModeError);
    expect(err).toMatchObject({
      code: ErrorCodes.LEGACY_MODE_REQUIRED,
      flag: "--allow-legacy",
      message: expect.stringMatching(/--allow-legacy/),
    });
  });

  it("Precondition: legacy wrapping algorithms are readable only with legacy wrapping enabled", () => {
    const p = resolveReadPolicy({ commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" });
    expect(() => assertReadAllowed(v2("kms"), p)).toThrow(/legacy wrapping "kms".*--allow-legacy/);
    expect(() => assertReadAllowed(v2("AESWrap"), p)).toThrow(/legacy wrapping/);
    expect(() => assertReadAllowed(v2("kms+context"), p)).not.toThrow();
    expect(() => assertReadAllowed(v2("kms"), { ...p, enableLegacyWrappingAlgorithms: true })).not.toThrow();
  });

  it("Precondition: non-committing objects are readable only when the commitment policy allows decrypt", () => {
    expect(() => assertReadAllowed(v2("AES/GCM"), resolveReadPolicy())).toThrow(
      /require-encrypt-allow-decrypt/,
    );
  });

  it("allowLegacy enables everything an RDS backup needs", () => {
    const p = resolveReadPolicy({ allowLegacy: true });
    expect(() => assertReadAllowed(v1, p)).not.toThrow();
    expect(() => assertReadAllowed(v2("kms", true), p)).not.toThrow();
  });
});
