/**
 * A local keyring for benchmarks: wraps each fresh data key with AES-256-GCM under a key held
 * in memory (fixed, derived from a constant: this is a benchmark, not a key store; the S3EC "AES/GCM" layout: IV ‖ ciphertext ‖ tag), so no KMS round trip skews the
 * numbers. One wrap per object; its cost is negligible next to the body.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { Keyring, UnwrapRequest, WrappedDataKey, WrapRequest } from "../../src/materials/keyring.js";

export class BenchKeyring implements Keyring {
  readonly description = "bench AES/GCM keyring";
  /** Fixed, so objects uploaded by one benchmark process decrypt in another. */
  private readonly wrappingKey = createHash("sha256").update("s3-cse bench wrapping key").digest();

  async generateDataKey(request: WrapRequest): Promise<WrappedDataKey> {
    const dataKey = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.wrappingKey, iv);
    const encryptedDataKey = Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    return {
      dataKey,
      encryptedDataKey,
      wrapAlgorithm: request.format === "v1" ? undefined : "AES/GCM",
      materialsDescription: {},
    };
  }

  async unwrapDataKey(request: UnwrapRequest): Promise<Uint8Array> {
    const edk = Buffer.from(request.metadata.encryptedDataKey);
    const decipher = createDecipheriv("aes-256-gcm", this.wrappingKey, edk.subarray(0, 12));
    decipher.setAuthTag(edk.subarray(edk.length - 16));
    return Buffer.concat([decipher.update(edk.subarray(12, edk.length - 16)), decipher.final()]);
  }
}
