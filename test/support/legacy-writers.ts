/**
 * Test-only writers of the legacy wraps s3-cse reads but never writes (V1 AES-ECB, AESWrap,
 * V1 RSA PKCS#1 v1.5, RSA-OAEP-SHA-256 with MGF1-SHA-1), built on node:crypto primitives.
 */
import {
  constants,
  createCipheriv,
  createHash,
  type KeyObject,
  publicEncrypt,
  randomBytes,
} from "node:crypto";

export function aesEcbWrap(kek: Buffer, dataKey: Buffer): Buffer {
  const c = createCipheriv(`aes-${kek.length * 8}-ecb`, kek, null);
  return Buffer.concat([c.update(dataKey), c.final()]);
}

export function aesKeyWrap(kek: Buffer, dataKey: Buffer): Buffer {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, Buffer.alloc(8, 0xa6));
  return Buffer.concat([c.update(dataKey), c.final()]);
}

export function rsaPkcs1Wrap(publicKey: KeyObject, dataKey: Buffer): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, dataKey);
}

function mgf1(hash: string, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 20 < length + 64; i++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    out.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/** Java SunJCE "RSA/ECB/OAEPWithSHA-256AndMGF1Padding": OAEP label hash SHA-256, MGF1 with SHA-1. */
export function rsaOaepSha256Mgf1Sha1Wrap(publicKey: KeyObject, dataKey: Buffer): Buffer {
  const k = (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const hLen = 32;
  const lHash = createHash("sha256").digest();
  const ps = Buffer.alloc(k - dataKey.length - 2 * hLen - 2);
  const db = Buffer.concat([lHash, ps, Buffer.from([1]), dataKey]);
  const seed = randomBytes(hLen);
  const maskedDb = Buffer.from(db.map((b, i) => b ^ (mgf1("sha1", seed, db.length)[i] ?? 0)));
  const maskedSeed = Buffer.from(seed.map((b, i) => b ^ (mgf1("sha1", maskedDb, hLen)[i] ?? 0)));
  const em = Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]);
  return publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em);
}
