/**
 * An in-memory S3 double for unit tests of the multipart paths: CreateMultipartUpload, UploadPart,
 * ListParts (paginated, `pageSize` parts per page), CompleteMultipartUpload, AbortMultipartUpload,
 * PutObject, HeadObject, GetObject (whole or `Range: bytes=a-b`, honouring `IfMatch`; the body is a
 * stream of `bodyChunk`-byte chunks). Part bodies are copied when received (the engine reuses
 * buffers); `objects` may be edited in place (a tampered byte is what the next GET returns).
 * `failWhen` may throw for a command before it is applied.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { crc32Update, hasCrc32 } from "../../src/pipeline/crc32.js";

interface Upload {
  key: string;
  metadata: Record<string, string>;
  parts: Map<number, { body: Buffer; etag: string }>;
}

export interface MemoryS3 {
  // biome-ignore lint/suspicious/noExplicitAny: structural SDK-shaped client.
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
  readonly objects: Map<string, { body: Buffer; metadata: Record<string, string> }>;
  readonly uploads: Map<string, Upload>;
  /** Command names in the order they were sent. */
  readonly sent: string[];
  count(name: string): number;
}

export function memoryS3(
  options: {
    pageSize?: number;
    /** GetObject body chunk size, or a function asked at each GET (default 64 KiB). */
    bodyChunk?: number | (() => number);
    failWhen?: (name: string, input: Record<string, unknown>) => Error | undefined;
  } = {},
): MemoryS3 {
  const objects = new Map<string, { body: Buffer; metadata: Record<string, string> }>();
  const uploads = new Map<string, Upload>();
  const sent: string[] = [];
  let next = 1;
  const noSuchUpload = () => Object.assign(new Error("NoSuchUpload"), { name: "NoSuchUpload" });
  const md5 = (b: Buffer) => `"${createHash("md5").update(b).digest("hex")}"`;
  /**
   * A stored object's ETag follows its bytes, so an edited object no longer matches an If-Match
   * (CRC32 where zlib has it: every ranged GET computes it over the whole object).
   */
  const etagOf = (b: Buffer) => (hasCrc32() ? `"crc-${crc32Update(b, 0).toString(16)}"` : md5(b));
  return {
    objects,
    uploads,
    sent,
    count: (name) => sent.filter((n) => n === name).length,
    // biome-ignore lint/suspicious/noExplicitAny: structural SDK-shaped client.
    async send(command: any) {
      const name = command.constructor.name.replace(/Command$/, "");
      const input = command.input;
      sent.push(name);
      const err = options.failWhen?.(name, input);
      if (err) throw err;
      switch (name) {
        case "CreateMultipartUpload": {
          const id = `up-${next++}`;
          uploads.set(id, { key: input.Key, metadata: { ...input.Metadata }, parts: new Map() });
          return { UploadId: id };
        }
        case "UploadPart": {
          const up = uploads.get(input.UploadId);
          if (!up) throw noSuchUpload();
          const body = Buffer.from(input.Body);
          const etag = md5(body);
          up.parts.set(input.PartNumber, { body, etag });
          return { ETag: etag };
        }
        case "ListParts": {
          const up = uploads.get(input.UploadId);
          if (!up) throw noSuchUpload();
          const all = [...up.parts.entries()]
            .sort((a, b) => a[0] - b[0])
            .filter(([n]) => n > Number(input.PartNumberMarker ?? 0));
          const page = all.slice(0, options.pageSize ?? 1000);
          return {
            Parts: page.map(([n, p]) => ({ PartNumber: n, ETag: p.etag, Size: p.body.length })),
            IsTruncated: page.length < all.length,
            NextPartNumberMarker: page.at(-1)?.[0],
          };
        }
        case "CompleteMultipartUpload": {
          const up = uploads.get(input.UploadId);
          if (!up) throw noSuchUpload();
          const listed = input.MultipartUpload.Parts as { PartNumber: number; ETag: string }[];
          const bodies = listed.map((p) => {
            const part = up.parts.get(p.PartNumber);
            if (!part || part.etag !== p.ETag)
              throw Object.assign(new Error("InvalidPart"), { name: "InvalidPart" });
            return part.body;
          });
          uploads.delete(input.UploadId);
          objects.set(input.Key, { body: Buffer.concat(bodies), metadata: up.metadata });
          return { ETag: '"done"' };
        }
        case "AbortMultipartUpload":
          if (!uploads.delete(input.UploadId)) throw noSuchUpload();
          return {};
        case "PutObject":
          objects.set(input.Key, { body: Buffer.from(input.Body), metadata: { ...input.Metadata } });
          return { ETag: '"put"' };
        case "HeadObject": {
          const o = objects.get(input.Key);
          if (!o) throw Object.assign(new Error("NotFound"), { name: "NotFound" });
          return { Metadata: o.metadata, ContentLength: o.body.length, ETag: etagOf(o.body) };
        }
        case "GetObject": {
          const o = objects.get(input.Key);
          if (!o) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
          const etag = etagOf(o.body);
          if (input.IfMatch !== undefined && input.IfMatch !== etag)
            throw Object.assign(new Error("PreconditionFailed"), {
              name: "PreconditionFailed",
              $metadata: { httpStatusCode: 412 },
            });
          const range = /^bytes=(\d+)-(\d*)$/.exec(input.Range ?? "");
          if (input.Range !== undefined && !range)
            throw new Error(`memoryS3: unsupported Range ${input.Range}`);
          const start = range ? Number(range[1]) : 0;
          const end = range?.[2] ? Math.min(Number(range[2]), o.body.length - 1) : o.body.length - 1;
          const body = Buffer.from(o.body.subarray(start, end + 1));
          const chunk = options.bodyChunk ?? 64 * 1024;
          const step = Math.max(1, typeof chunk === "function" ? chunk() : chunk);
          const pieces: Buffer[] = [];
          for (let i = 0; i < body.length; i += step) pieces.push(body.subarray(i, i + step));
          return {
            Body: Readable.from(pieces),
            Metadata: o.metadata,
            ContentLength: body.length,
            ETag: etag,
            ...(range ? { ContentRange: `bytes ${start}-${end}/${o.body.length}` } : {}),
          };
        }
        default:
          throw new Error(`memoryS3: ${name} is not implemented`);
      }
    },
  };
}
