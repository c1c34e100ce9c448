import { availableParallelism } from "node:os";
import { type ContentKey, createContentEncryptor } from "../ciphers/content-cipher.js";
import { type EncryptedPart, type EncryptPartsOptions, encryptParts } from "./encrypt-parts.js";
import { encryptPartsInWorker } from "./encrypt-parts-worker.js";
import { PartBufferPool } from "./part-buffers.js";

export type EncryptInWorker = boolean | "auto";

/**
 * Whether to encrypt on a worker thread. Default: no. On two cores the upload's own CPU (SigV4,
 * HTTP, the kernel's socket copies) already fills the second core and the hand-off costs more
 * than it frees (docs/benchmarks.md); `"auto"` picks the worker only with more than two cores.
 */
export function useEncryptionWorker(
  choice: EncryptInWorker | undefined,
  cores: number = availableParallelism(),
): boolean {
  return choice === true || (choice === "auto" && cores > 2);
}

export interface PartSourceOptions extends Omit<EncryptPartsOptions, "pool"> {
  /** Parts the consumer holds at once; this many + 1 buffers are recycled. */
  readonly concurrency: number;
  readonly encryptInWorker?: EncryptInWorker;
}

/** The part-sized ciphertext of `source`, encrypted on this thread or on a worker. */
export function encryptToParts(
  source: AsyncIterable<Uint8Array | string>,
  contentKey: ContentKey,
  options: PartSourceOptions,
): AsyncGenerator<EncryptedPart, void, undefined> {
  const { concurrency, encryptInWorker, ...rest } = options;
  return useEncryptionWorker(encryptInWorker)
    ? encryptPartsInWorker(source, contentKey, { ...rest, maxFreeBuffers: concurrency + 1 })
    : encryptParts(source, createContentEncryptor(contentKey), {
        ...rest,
        pool: new PartBufferPool(rest.partSize, concurrency + 1),
      });
}
