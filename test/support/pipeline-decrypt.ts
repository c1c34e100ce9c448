/** Decrypts through the library's read path down to the pipeline's authenticating Transform. */
import { createContentDecryptor } from "../../src/ciphers/content-cipher.js";
import { decodeContentMetadata } from "../../src/codec/decode.js";
import type { StringMap } from "../../src/codec/json-map.js";
import type { Keyring } from "../../src/materials/keyring.js";
import { prepareDecryption } from "../../src/materials/materials.js";
import { type ReadPolicyOptions, resolveReadPolicy } from "../../src/materials/policy.js";
import { createDecryptStream } from "../../src/pipeline/decrypt-stream.js";
import { chunks } from "./envelope.js";

export interface PipelineOutcome {
  /** Every plaintext chunk the stream emitted, in order. */
  emitted: Buffer[];
  error: unknown;
}

/**
 * metadata → keyring → policy → decryptor → createDecryptStream (GCM held back until the tag
 * verified). Records what the stream emitted, and the error it (or setup) failed with.
 */
export async function decryptViaPipeline(
  metadata: Record<string, string>,
  body: Buffer,
  keyring: Keyring,
  options: ReadPolicyOptions,
  chunkSize: number,
  context: StringMap = {},
): Promise<PipelineOutcome> {
  const emitted: Buffer[] = [];
  try {
    const cm = decodeContentMetadata(metadata);
    const m = await prepareDecryption(cm, keyring, resolveReadPolicy(options), context);
    const stream = createDecryptStream(createContentDecryptor(m.contentKey, m.storedCommitment), {
      authenticateBeforeRelease: cm.suite.cipher === "gcm",
    });
    const done = new Promise<void>((resolve, reject) => {
      stream.on("data", (c: Buffer) => emitted.push(c));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    for (const c of chunks(body, Math.max(1, chunkSize))) stream.write(c);
    stream.end();
    await done;
    return { emitted, error: undefined };
  } catch (error) {
    return { emitted, error };
  }
}
