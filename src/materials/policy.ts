import { type ContentMetadata, LEGACY_WRAP_ALGORITHMS } from "../codec/content-metadata.js";
import { ErrorCodes, LegacyModeError, SecurityError } from "../errors.js";

/** Same meaning as the official clients' commitment policies (docs/formats.md#policy-switches). */
export type CommitmentPolicy =
  | "FORBID_ENCRYPT_ALLOW_DECRYPT"
  | "REQUIRE_ENCRYPT_ALLOW_DECRYPT"
  | "REQUIRE_ENCRYPT_REQUIRE_DECRYPT";

/** The policy of the official v4 clients, used when none is given (reads and writes). */
export const DEFAULT_COMMITMENT_POLICY: CommitmentPolicy = "REQUIRE_ENCRYPT_REQUIRE_DECRYPT";

export interface ReadPolicyOptions {
  /**
   * Shorthand for reading legacy objects (RDS backups among them): enables legacy
   * unauthenticated modes and legacy wrapping, and allows non-committing objects.
   * CLI: `--allow-legacy`.
   */
  allowLegacy?: boolean;
  /** Allow CBC content (no authentication). CLI: `--allow-legacy`. */
  enableLegacyUnauthenticatedModes?: boolean;
  /** Allow `kms` without context, V1 AES/RSA wraps, AESWrap, RSA-OAEP-SHA256. CLI: `--allow-legacy`. */
  enableLegacyWrappingAlgorithms?: boolean;
  /** Default REQUIRE_ENCRYPT_REQUIRE_DECRYPT, as the official v4 clients; `allowLegacy` relaxes it to ALLOW_DECRYPT. */
  commitmentPolicy?: CommitmentPolicy;
}

export interface ReadPolicy {
  readonly enableLegacyUnauthenticatedModes: boolean;
  readonly enableLegacyWrappingAlgorithms: boolean;
  readonly commitmentPolicy: CommitmentPolicy;
}

export function resolveReadPolicy(o: ReadPolicyOptions = {}): ReadPolicy {
  const legacy = o.allowLegacy === true;
  return {
    enableLegacyUnauthenticatedModes: legacy || o.enableLegacyUnauthenticatedModes === true,
    enableLegacyWrappingAlgorithms: legacy || o.enableLegacyWrappingAlgorithms === true,
    commitmentPolicy:
      o.commitmentPolicy ?? (legacy ? "REQUIRE_ENCRYPT_ALLOW_DECRYPT" : DEFAULT_COMMITMENT_POLICY),
  };
}

const LEGACY_HINT = "pass --allow-legacy (CLI) or { allowLegacy: true } (library)";

/** True if reading `metadata` needs a legacy wrapping algorithm (docs/formats.md#policy-switches). */
export function usesLegacyWrapping(metadata: ContentMetadata): boolean {
  if (metadata.format === "v1") return true;
  if (metadata.format === "v2") return LEGACY_WRAP_ALGORITHMS.includes(metadata.wrapAlgorithm);
  return false;
}

/** Throws if the policy forbids reading an object with this metadata. Runs before any key is unwrapped. */
export function assertReadAllowed(metadata: ContentMetadata, policy: ReadPolicy): void {
  /* Precondition: CBC content is readable only with legacy unauthenticated modes enabled. */
  if (metadata.suite.cipher === "cbc" && !policy.enableLegacyUnauthenticatedModes) {
    throw new LegacyModeError(
      `object is ${metadata.format.toUpperCase()} AES-CBC, a legacy unauthenticated mode (an attacker who can write the object could alter it undetected); to read it ${LEGACY_HINT}`,
      "--allow-legacy",
    );
  }
  /* Precondition: legacy wrapping algorithms are readable only with legacy wrapping enabled. */
  if (usesLegacyWrapping(metadata) && !policy.enableLegacyWrappingAlgorithms) {
    const wrap = metadata.format === "v2" ? metadata.wrapAlgorithm : "V1 x-amz-key";
    throw new LegacyModeError(
      `object's data key uses the legacy wrapping "${wrap}"; to read it ${LEGACY_HINT}`,
      "--allow-legacy",
    );
  }
  /* Precondition: non-committing objects are readable only when the commitment policy allows decrypt. */
  if (!metadata.suite.keyCommitting && policy.commitmentPolicy === "REQUIRE_ENCRYPT_REQUIRE_DECRYPT") {
    throw new SecurityError(
      ErrorCodes.COMMITMENT_POLICY,
      `object is ${metadata.format.toUpperCase()} (${metadata.suite.contentAlgorithm}) without key commitment; ` +
        `the commitment policy REQUIRE_ENCRYPT_REQUIRE_DECRYPT forbids reading it: ` +
        `pass --commitment-policy require-encrypt-allow-decrypt (CLI) or { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" } (library)` +
        (metadata.suite.cipher === "cbc" ? `, or ${LEGACY_HINT}` : ""),
    );
  }
}

/** Throws if the policy forbids writing `format`. Runs before anything is read, wrapped or sent. */
export function assertWriteAllowed(format: "v1" | "v2" | "v3", policy: CommitmentPolicy): void {
  const committing = format === "v3";
  /* Precondition: the write format agrees with the commitment policy. */
  if (committing && policy === "FORBID_ENCRYPT_ALLOW_DECRYPT") {
    throw new SecurityError(
      ErrorCodes.COMMITMENT_POLICY,
      "commitment policy FORBID_ENCRYPT_ALLOW_DECRYPT cannot write key-committing V3: to write V3 pass " +
        '--commitment-policy require-encrypt-require-decrypt (CLI) or { commitmentPolicy: "REQUIRE_ENCRYPT_REQUIRE_DECRYPT" } (library); ' +
        'to write V2 under this policy pass --format v2 (CLI) or { format: "v2" } (library)',
    );
  }
  if (!committing && policy !== "FORBID_ENCRYPT_ALLOW_DECRYPT" && format !== "v1") {
    throw new SecurityError(
      ErrorCodes.COMMITMENT_POLICY,
      `commitment policy ${policy} cannot write non-committing ${format.toUpperCase()}: to write it pass ` +
        '--commitment-policy forbid-encrypt-allow-decrypt (CLI) or { commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT" } (library); ' +
        'or write key-committing V3 (--format v3, { format: "v3" })',
    );
  }
}

/**
 * Ranged reads (docs/formats.md#ranged-reads) cannot check a GCM tag: a V2/V3 range is decrypted with AES-CTR and is
 * unauthenticated. They need an explicit `allowUnauthenticatedRanges`, on top of everything
 * {@link assertReadAllowed} requires. (Java gates ranged GETs on its legacy-unauthenticated switch.)
 */
export function assertRangedReadAllowed(
  metadata: ContentMetadata,
  policy: ReadPolicy,
  allowUnauthenticatedRanges: boolean,
): void {
  assertReadAllowed(metadata, policy);
  /* Precondition: ranged reads of GCM objects need allowUnauthenticatedRanges. */
  if (metadata.suite.cipher === "gcm" && !allowUnauthenticatedRanges) {
    throw new LegacyModeError(
      `a byte range of a ${metadata.format.toUpperCase()} AES-GCM object is decrypted without checking its authentication tag ` +
        "(the tag covers the whole object), so altered bytes would go undetected; to read ranges anyway pass " +
        "{ allowUnauthenticatedRanges: true } (library), or download the whole object to have it authenticated",
      "allowUnauthenticatedRanges",
    );
  }
}
