/** Whole-object encrypt/decrypt through the library's metadata → keyring → cipher path (no S3). */
import { createContentDecryptor, createContentEncryptor } from "../../src/ciphers/content-cipher.js";
import type { ContentMetadata } from "../../src/codec/content-metadata.js";
import { decodeContentMetadata } from "../../src/codec/decode.js";
import { encodeContentMetadata } from "../../src/codec/encode.js";
import type { StringMap } from "../../src/codec/json-map.js";
import type { Keyring } from "../../src/materials/keyring.js";
import { prepareDecryption, prepareEncryption, type WriteFormat } from "../../src/materials/materials.js";
import { type ReadPolicyOptions, resolveReadPolicy } from "../../src/materials/policy.js";

export function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

export interface EncryptedObject {
  metadata: Record<string, string>;
  body: Buffer;
  contentMetadata: ContentMetadata;
}

export async function encryptObject(
  format: WriteFormat,
  keyring: Keyring,
  plaintext: Buffer,
  chunkSize = 1 << 16,
  context: StringMap = {},
): Promise<EncryptedObject> {
  const { contentKey, metadata } = await prepareEncryption(format, keyring, context);
  const enc = createContentEncryptor(contentKey);
  const parts = chunks(plaintext, Math.max(1, chunkSize)).map((c) => enc.update(c));
  parts.push(enc.final());
  return { metadata: encodeContentMetadata(metadata), body: Buffer.concat(parts), contentMetadata: metadata };
}

/**
 * Decrypts a whole object and returns the plaintext only after the decryptor's final() succeeded,
 * together with how many bytes update() released before that (the pipeline buffers those).
 */
export async function decryptObject(
  metadata: Record<string, string | undefined>,
  body: Buffer,
  keyring: Keyring,
  options: ReadPolicyOptions = {},
  chunkSize = 1 << 16,
  context: StringMap = {},
  instructionFile?: Record<string, string>,
): Promise<Buffer> {
  const cm = decodeContentMetadata(metadata, instructionFile);
  const { contentKey, storedCommitment } = await prepareDecryption(
    cm,
    keyring,
    resolveReadPolicy(options),
    context,
  );
  const dec = createContentDecryptor(contentKey, storedCommitment);
  const out: Buffer[] = [];
  for (const c of chunks(body, Math.max(1, chunkSize))) out.push(...dec.update(c));
  out.push(...dec.final());
  return Buffer.concat(out);
}
