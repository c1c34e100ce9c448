/**
 * Data-key wrapping primitives of the raw RSA keyring (docs/formats.md#raw-rsa-wraps), on `node:crypto`:
 * - `RSA-OAEP-SHA1` (V2/V3): OAEP(SHA-1, MGF1-SHA-1) over the pseudo data key
 *   `len(1) ‖ data key ‖ content-algorithm string`;
 * - legacy `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` (V2): OAEP with a SHA-256 label hash over the
 *   raw data key. Java's SunJCE provider uses MGF1-SHA-1 for that name (BouncyCastle MGF1-SHA-256);
 *   both are accepted, read only;
 * - legacy V1 "RSA": PKCS#1 v1.5 over the raw data key, read only.
 *
 * Node 20 refuses PKCS#1 v1.5 private decryption (CVE-2023-46809, the Marvin timing attack), and
 * cannot mix the OAEP and MGF1 digests, so the two legacy modes decode the padding here after a
 * raw RSA operation. Failures of any kind raise one generic error.
 */
import {
  constants,
  createHash,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  timingSafeEqual,
} from "node:crypto";
import { ErrorCodes, SecurityError } from "../errors.js";

export type RsaKey = KeyObject | string | Buffer;

function unwrapFailed(what: string, cause?: unknown): SecurityError {
  return new SecurityError(
    ErrorCodes.AUTHENTICATION_FAILED,
    `${what} unwrap failed: the private key is wrong, or the wrapped data key was modified`,
    cause === undefined ? undefined : { cause },
  );
}

/** The ASCII content-algorithm string bound into the pseudo data key: `AES/GCM/NoPadding` or `115`. */
export function pseudoKeyAlgorithm(keyCommitting: boolean): Buffer {
  return Buffer.from(keyCommitting ? "115" : "AES/GCM/NoPadding", "ascii");
}

export function rsaOaepSha1Wrap(publicKey: RsaKey, dataKey: Uint8Array, algorithm: Uint8Array): Buffer {
  const pseudo = Buffer.concat([Buffer.from([dataKey.length]), dataKey, algorithm]);
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
    pseudo,
  );
}

export function rsaOaepSha1Unwrap(privateKey: RsaKey, wrapped: Uint8Array, algorithm: Uint8Array): Buffer {
  let pseudo: Buffer;
  try {
    pseudo = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
      wrapped,
    );
  } catch (cause) {
    throw unwrapFailed("RSA-OAEP-SHA1", cause);
  }
  const keyLength = pseudo[0] ?? 0;
  /* Precondition: the pseudo data key names a 16, 24 or 32-byte key followed by exactly the expected content algorithm. */
  if (![16, 24, 32].includes(keyLength) || pseudo.length <= 1 + keyLength)
    throw unwrapFailed("RSA-OAEP-SHA1");
  const stored = pseudo.subarray(1 + keyLength);
  if (stored.length !== algorithm.length || !timingSafeEqual(stored, algorithm)) {
    throw new SecurityError(
      ErrorCodes.AUTHENTICATION_FAILED,
      "RSA-OAEP-SHA1 wrapped key was made for a different content algorithm: the object may be altered",
    );
  }
  return Buffer.from(pseudo.subarray(1, 1 + keyLength));
}

function rawRsa(privateKey: RsaKey, wrapped: Uint8Array, what: string): Buffer {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, wrapped);
  } catch (cause) {
    throw unwrapFailed(what, cause);
  }
}

function mgf1(hash: "sha1" | "sha256", seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  for (let counter = 0; total < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    out.push(block);
    total += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 8017 §7.1.2 EME-OAEP decoding with an empty label; returns undefined on any failure. */
function oaepDecode(em: Buffer, labelHash: "sha256", mgfHash: "sha1" | "sha256"): Buffer | undefined {
  const hLen = 32;
  if (em.length < 2 * hLen + 2) return undefined;
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seedMask = mgf1(mgfHash, maskedDb, hLen);
  const seed = Buffer.from(maskedSeed.map((b, i) => b ^ (seedMask[i] ?? 0)));
  const dbMask = mgf1(mgfHash, seed, maskedDb.length);
  const db = Buffer.from(maskedDb.map((b, i) => b ^ (dbMask[i] ?? 0)));
  const lHash = createHash(labelHash).digest();
  let ok = em[0] === 0 && timingSafeEqual(db.subarray(0, hLen), lHash);
  const separator = db.indexOf(1, hLen);
  ok = ok && separator >= hLen && db.subarray(hLen, separator).every((b) => b === 0);
  return ok ? db.subarray(separator + 1) : undefined;
}

/** Legacy `RSA/ECB/OAEPWithSHA-256AndMGF1Padding` (Java SDK v1). */
export function rsaOaepSha256LegacyUnwrap(privateKey: RsaKey, wrapped: Uint8Array): Buffer {
  const what = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding";
  const em = rawRsa(privateKey, wrapped, what);
  const key = oaepDecode(em, "sha256", "sha1") ?? oaepDecode(em, "sha256", "sha256");
  /* Precondition: the legacy OAEP-SHA-256 padding decodes to a 16, 24 or 32-byte key. */
  if (!key || ![16, 24, 32].includes(key.length)) throw unwrapFailed(what);
  return Buffer.from(key);
}

/** Legacy V1 "RSA": PKCS#1 v1.5 (EME-PKCS1-v1_5, RFC 8017 §7.2.2). */
export function rsaPkcs1LegacyUnwrap(privateKey: RsaKey, wrapped: Uint8Array): Buffer {
  const what = "V1 RSA (PKCS#1 v1.5)";
  const em = rawRsa(privateKey, wrapped, what);
  const separator = em.indexOf(0, 2);
  /* Precondition: the PKCS#1 v1.5 block is 00 02, at least 8 non-zero padding bytes, 00, and a 16, 24 or 32-byte key. */
  const ok =
    em[0] === 0 && em[1] === 2 && separator >= 10 && [16, 24, 32].includes(em.length - separator - 1);
  if (!ok) throw unwrapFailed(what);
  return Buffer.from(em.subarray(separator + 1));
}
