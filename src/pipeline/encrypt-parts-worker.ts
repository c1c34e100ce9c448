import { Worker } from "node:worker_threads";
import { type ContentKey, contentCipherParams } from "../ciphers/content-cipher.js";
import { AbortError, EnvironmentError, ErrorCodes } from "../errors.js";
import { crc32Base64, hasCrc32 } from "./crc32.js";
import { assertPartSize, type EncryptedPart, type EncryptPartsOptions } from "./encrypt-parts.js";
import type { EncryptWorkerData, FromWorker, ToWorker } from "./encrypt-worker-protocol.js";
import { encryptWorkerScript } from "./worker-script.js";

/** Plaintext handed to the worker but not yet encrypted, at most (keeps memory bounded). */
const MAX_IN_FLIGHT = 4 * 1024 * 1024;

type WorkerMessage = FromWorker;

/**
 * {@link encryptParts} with the cipher and the CRC32 on a worker thread, so the main thread only
 * reads and uploads. Same parts, same bytes, same checksums. Plaintext is copied once into a
 * buffer transferred to the worker; ciphertext part buffers are transferred back, and
 * `release()` returns them to the worker for reuse. Pull-based: at most 4 MiB of plaintext is
 * queued for the worker, and nothing is read while the consumer holds back.
 */
export async function* encryptPartsInWorker(
  source: AsyncIterable<Uint8Array | string>,
  contentKey: ContentKey,
  options: EncryptPartsOptions & { maxFreeBuffers?: number },
): AsyncGenerator<EncryptedPart, void, undefined> {
  const { partSize, signal, onRead } = options;
  assertPartSize(partSize);
  const params = contentCipherParams(contentKey);
  const data: EncryptWorkerData = {
    params,
    partSize,
    checksum: options.checksum !== false && hasCrc32(),
    maxFree: options.maxFreeBuffers ?? 8,
  };
  const { script, options: scriptOptions } = encryptWorkerScript();
  const worker = new Worker(script, { ...scriptOptions, workerData: data });
  const post = (m: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(m, transfer);
  const inbox: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let open = true;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on("message", (m: WorkerMessage) => {
    inbox.push(m);
    notify();
  });
  worker.on("error", (err) => {
    failure = err;
    notify();
  });
  worker.on("exit", () => {
    open = false;
    failure ??= new EnvironmentError(ErrorCodes.WORKER_FAILURE, "the encryption worker exited early");
    notify();
  });
  const next = async (): Promise<WorkerMessage> => {
    for (;;) {
      const m = inbox.shift();
      if (m) {
        if (m.type === "error")
          throw new EnvironmentError(ErrorCodes.WORKER_FAILURE, `encryption worker: ${m.message}`);
        return m;
      }
      if (failure) throw failure;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  const toPart = (m: Extract<WorkerMessage, { type: "part" }>): EncryptedPart => {
    const body = Buffer.from(m.buffer, m.offset, m.length);
    let released = false;
    return {
      partNumber: m.partNumber,
      body,
      plaintextLength: m.plaintextLength,
      last: m.last,
      ...(m.crc !== undefined ? { checksumCrc32: crc32Base64(m.crc) } : {}),
      release: () => {
        if (released || !open || m.last) return;
        released = true;
        post({ type: "release", buffer: m.buffer }, [m.buffer]);
      },
    };
  };

  let inFlight = 0;
  let bytesRead = 0;
  try {
    for await (const raw of source) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
      bytesRead += chunk.length;
      onRead?.(bytesRead);
      if (chunk.length === 0) continue;
      const copy = new ArrayBuffer(chunk.length);
      new Uint8Array(copy).set(chunk);
      post({ type: "data", buffer: copy }, [copy]);
      inFlight += chunk.length;
      while (inFlight > MAX_IN_FLIGHT || inbox.length > 0) {
        const m = await next();
        if (m.type === "ack") inFlight -= m.bytes;
        else if (m.type === "part") yield toPart(m);
      }
    }
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    post({ type: "end" });
    for (;;) {
      const m = await next();
      if (m.type !== "part") continue;
      yield toPart(m);
      if (m.last) return;
    }
  } finally {
    open = false;
    await worker.terminate();
  }
}
