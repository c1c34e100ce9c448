import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { AwsChunkedDecoder } from "./aws-chunked.js";
import type { Pacer } from "./pacer.js";

const CHECKSUM_HEADER = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/;

export interface ConsumedBody {
  /** Decoded payload length. */
  readonly size: number;
  /** `x-amz-checksum-*` values from headers or aws-chunked trailers. */
  readonly checksums: Record<string, string>;
  /** The payload, when asked to keep it in memory. */
  readonly body?: Buffer;
}

export interface BodyTarget {
  /** Write the payload to this file. */
  readonly file?: string;
  /** Keep the payload in memory if it is at most this many bytes. */
  readonly memoryLimit?: number;
  /** Read no faster than this connection's cap (the socket is not read while waiting). */
  readonly pacer?: Pacer;
}

/**
 * Reads a request body to its end, decoding aws-chunked framing. By default the bytes are
 * discarded as they arrive; nothing is hashed or verified.
 */
export async function consumeBody(req: IncomingMessage, target: BodyTarget = {}): Promise<ConsumedBody> {
  const encoding = String(req.headers["content-encoding"] ?? "");
  const chunked = encoding.split(",").some((e) => e.trim() === "aws-chunked");
  const out = target.file ? createWriteStream(target.file) : undefined;
  const kept: Buffer[] = [];
  let size = 0;
  let keep = target.memoryLimit !== undefined;
  let pending: Buffer[] = [];
  const onData = (bytes: Buffer): void => {
    size += bytes.length;
    if (out) pending.push(bytes);
    if (keep) {
      if (size > (target.memoryLimit ?? 0)) {
        keep = false;
        kept.length = 0;
      } else kept.push(bytes);
    }
  };
  const decoder = chunked ? new AwsChunkedDecoder(onData) : undefined;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (target.pacer) await target.pacer.pace(chunk.length);
    if (decoder) decoder.push(chunk);
    else onData(chunk);
    if (out && pending.length > 0) {
      const batch = pending;
      pending = [];
      let ok = true;
      for (const b of batch) ok = out.write(b);
      if (!ok) await once(out, "drain");
    }
  }
  if (out) {
    out.end();
    await once(out, "finish");
  }
  const checksums: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (CHECKSUM_HEADER.test(name) && typeof value === "string") {
      checksums[name] = value;
    }
  }
  if (decoder) {
    for (const [name, value] of Object.entries(decoder.trailers)) {
      if (CHECKSUM_HEADER.test(name)) checksums[name] = value;
    }
  }
  return { size, checksums, ...(keep ? { body: Buffer.concat(kept) } : {}) };
}
