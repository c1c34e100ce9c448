/**
 * Messages between `encryptPartsInWorker` (main thread) and the encryption worker thread
 * (encrypt-worker.ts). Buffers travel as transferred ArrayBuffers, never copied.
 */
import type { CipherParams } from "../ciphers/content-cipher.js";

/** What the worker is started with. */
export interface EncryptWorkerData {
  readonly params: CipherParams;
  readonly partSize: number;
  readonly checksum: boolean;
  /** Part buffers the worker keeps for reuse, at most. */
  readonly maxFree: number;
}

/** Main → worker. */
export type ToWorker =
  /** Plaintext (an ArrayBuffer transferred to the worker). */
  | { readonly type: "data"; readonly buffer: ArrayBuffer }
  /** The source ended. */
  | { readonly type: "end" }
  /** A part buffer S3 acknowledged, for reuse. */
  | { readonly type: "release"; readonly buffer: ArrayBuffer };

/** Worker → main. */
export type FromWorker =
  /** Plaintext consumed (the sender may send more). */
  | { readonly type: "ack"; readonly bytes: number }
  | {
      readonly type: "part";
      readonly partNumber: number;
      readonly buffer: ArrayBuffer;
      readonly offset: number;
      readonly length: number;
      readonly plaintextLength: number;
      readonly last: boolean;
      readonly crc: number | undefined;
    }
  | { readonly type: "error"; readonly message: string };
