/**
 * The body of the encryption worker thread, as source text for `new Worker(…, { eval: true })`:
 * an eval worker needs no separate file, so it works the same from src/ (tests), the ESM and the
 * CJS builds. It mirrors `encryptParts` exactly (same part layout, same CRC32) and is tested
 * against it byte for byte.
 *
 * Messages in:  {type:"data", buffer}    plaintext (an ArrayBuffer transferred to the worker)
 *               {type:"end"}             the source ended
 *               {type:"release", buffer} a part buffer S3 acknowledged, for reuse
 * Messages out: {type:"ack", bytes}      plaintext consumed (the sender may send more)
 *               {type:"part", partNumber, buffer, length, plaintextLength, last, crc}
 *               {type:"error", message}
 */
export const ENCRYPT_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { createCipheriv } = require("node:crypto");
const zlib = require("node:zlib");
const { algorithm, key, iv, aad, partSize, slice, checksum, maxFree } = workerData;
const gcm = algorithm.endsWith("-gcm");
const cipher = gcm ? createCipheriv(algorithm, key, iv, { authTagLength: 16 }) : createCipheriv(algorithm, key, iv);
if (aad) cipher.setAAD(aad);
const free = [];
const acquire = () => free.pop() || Buffer.allocUnsafeSlow(partSize);
let part = acquire();
let fill = 0;
let crc = 0;
let partNumber = 1;
let bytesRead = 0;

function send(body, plaintextLength, last) {
  const ab = body.buffer;
  const msg = { type: "part", partNumber: partNumber++, buffer: ab, offset: body.byteOffset,
    length: body.length, plaintextLength, last, crc: checksum ? crc >>> 0 : undefined };
  parentPort.postMessage(msg, [ab]);
}

function full() {
  send(part, partSize, false);
  part = acquire();
  fill = 0;
  crc = 0;
}

function write(out) {
  while (out.length > 0) {
    if (fill === partSize) full();
    const n = Math.min(partSize - fill, out.length);
    const piece = n === out.length ? out : out.subarray(0, n);
    if (checksum) crc = zlib.crc32(piece, crc);
    piece.copy(part, fill);
    fill += n;
    out = out.subarray(n);
  }
}

function end() {
  if (fill === partSize && bytesRead > partNumber * partSize) full();
  const rest = cipher.final();
  const tail = gcm ? Buffer.concat([rest, cipher.getAuthTag()]) : rest;
  if (checksum) crc = zlib.crc32(tail, crc);
  const plaintextLength = bytesRead - (partNumber - 1) * partSize;
  if (fill + tail.length <= partSize) {
    tail.copy(part, fill);
    send(part.subarray(0, fill + tail.length), plaintextLength, true);
  } else {
    const body = Buffer.allocUnsafeSlow(fill + tail.length);
    part.copy(body, 0, 0, fill);
    tail.copy(body, fill);
    send(body, plaintextLength, true);
  }
}

parentPort.on("message", (msg) => {
  try {
    if (msg.type === "data") {
      const chunk = Buffer.from(msg.buffer);
      bytesRead += chunk.length;
      for (let off = 0; off < chunk.length; off += slice) write(cipher.update(chunk.subarray(off, off + slice)));
      parentPort.postMessage({ type: "ack", bytes: chunk.length });
    } else if (msg.type === "end") {
      end();
    } else if (msg.type === "release") {
      if (free.length < maxFree && msg.buffer.byteLength === partSize) free.push(Buffer.from(msg.buffer));
    }
  } catch (err) {
    parentPort.postMessage({ type: "error", message: String((err && err.message) || err) });
  }
});
`;
