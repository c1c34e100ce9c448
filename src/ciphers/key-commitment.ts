import { hkdfSync, timingSafeEqual } from "node:crypto";
import { COMMITMENT_LENGTH, DATA_KEY_LENGTH, MESSAGE_ID_LENGTH } from "../codec/algorithm-suites.js";
import { ErrorCodes, SecurityError, UsageError } from "../errors.js";

/** 0x00 0x73 — suite 0x0073 as two big-endian bytes; the HKDF info prefix and the V3 AAD. */
export const V3_SUITE_ID_BYTES = Buffer.from([0x00, 0x73]);
/** V3 uses a fixed GCM IV of twelve 0x01 bytes (docs/formats.md#key-commitment). */
export const V3_FIXED_IV = Buffer.alloc(12, 0x01);

const DERIVE_INFO = Buffer.concat([V3_SUITE_ID_BYTES, Buffer.from("DERIVEKEY", "ascii")]);
const COMMIT_INFO = Buffer.concat([V3_SUITE_ID_BYTES, Buffer.from("COMMITKEY", "ascii")]);

export interface CommittedKeys {
  /** The derived content-encryption key (DEK). */
  readonly derivedKey: Buffer;
  /** The 28-byte key commitment stored as `x-amz-d`. */
  readonly commitment: Buffer;
}

/** HKDF-SHA512 derivation of V3's DEK and commitment from the data key and message id (docs/formats.md#key-commitment). */
export function deriveCommittedKeys(dataKey: Uint8Array, messageId: Uint8Array): CommittedKeys {
  /* Precondition: the V3 data key is 32 bytes and the message id 28 bytes. */
  if (dataKey.length !== DATA_KEY_LENGTH || messageId.length !== MESSAGE_ID_LENGTH) {
    throw new UsageError("V3 key derivation needs a 32-byte data key and a 28-byte message id");
  }
  return {
    derivedKey: Buffer.from(hkdfSync("sha512", dataKey, messageId, DERIVE_INFO, DATA_KEY_LENGTH)),
    commitment: Buffer.from(hkdfSync("sha512", dataKey, messageId, COMMIT_INFO, COMMITMENT_LENGTH)),
  };
}

/**
 * Recomputes the commitment and compares it with the stored one in constant time, before
 * the derived key is used for anything; returns the derived key on success.
 */
export function verifyCommitment(
  dataKey: Uint8Array,
  messageId: Uint8Array,
  storedCommitment: Uint8Array,
): Buffer {
  const { derivedKey, commitment } = deriveCommittedKeys(dataKey, messageId);
  /* Precondition: the stored key commitment equals the one derived from the unwrapped data key. */
  if (storedCommitment.length !== commitment.length || !timingSafeEqual(storedCommitment, commitment)) {
    throw new SecurityError(
      ErrorCodes.AUTHENTICATION_FAILED,
      "key commitment mismatch (x-amz-d): the data key does not belong to this object",
    );
  }
  return derivedKey;
}
