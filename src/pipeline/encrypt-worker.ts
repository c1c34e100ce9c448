/**
 * The encryption worker thread (a tsup entry of its own: dist/pipeline/encrypt-worker.js). It runs
 * the same {@link PartCutter} as `encryptParts`, on a cipher built from the parameters it was
 * started with, and transfers each part's buffer to the main thread; released buffers come back
 * for reuse. Protocol: encrypt-worker-protocol.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createEncryptorFromParams } from "../ciphers/content-cipher.js";
import type { EncryptWorkerData, FromWorker, ToWorker } from "./encrypt-worker-protocol.js";
import { PartBufferPool } from "./part-buffers.js";
import { type CutPart, PartCutter } from "./part-cutter.js";

const port = parentPort;
if (port) {
  const data = workerData as EncryptWorkerData;
  const pool = new PartBufferPool(data.partSize, data.maxFree);
  const cutter = new PartCutter(createEncryptorFromParams(data.params), data.partSize, data.checksum, pool);
  const send = (cut: CutPart): void => {
    const ab = cut.body.buffer as ArrayBuffer;
    const message: FromWorker = {
      type: "part",
      partNumber: cut.partNumber,
      buffer: ab,
      offset: cut.body.byteOffset,
      length: cut.body.length,
      plaintextLength: cut.plaintextLength,
      last: cut.last,
      crc: cut.crc,
    };
    port.postMessage(message, [ab]);
  };
  port.on("message", (m: ToWorker) => {
    try {
      if (m.type === "data") {
        for (const cut of cutter.push(new Uint8Array(m.buffer))) send(cut);
        port.postMessage({ type: "ack", bytes: m.buffer.byteLength } satisfies FromWorker);
      } else if (m.type === "end") {
        for (const cut of cutter.end()) send(cut);
      } else if (m.type === "release") {
        pool.release(Buffer.from(m.buffer));
      }
    } catch (err) {
      port.postMessage({
        type: "error",
        message: String((err as Error)?.message ?? err),
      } satisfies FromWorker);
    }
  });
}
