/**
 * A discard S3 endpoint on 127.0.0.1 for benchmarks: path-style requests, SigV4 accepted and
 * not checked. Operations: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 * AbortMultipartUpload, PutObject, HeadObject, GetObject (with Range), DeleteObject,
 * CreateBucket / HeadBucket. See store.ts for what is kept.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BodyTarget, consumeBody } from "./body.js";
import { ConnectionPacers, type Pacer } from "./pacer.js";
import { KEEP_PREFIX, objectBytes, SinkStore, SMALL_BODY, type StoredObject } from "./store.js";

const xml = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function send(res: ServerResponse, status: number, body = "", headers: Record<string, string> = {}): void {
  const payload = Buffer.from(body);
  res.writeHead(status, {
    "x-amz-request-id": "sink",
    ...(body ? { "content-type": "application/xml" } : {}),
    "content-length": String(payload.length),
    ...headers,
  });
  res.end(payload);
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, xml(`<Error><Code>${code}</Code><Message>${esc(message)}</Message></Error>`));
}

function metadataOf(req: IncomingMessage): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith("x-amz-meta-") && value !== undefined) meta[name] = String(value);
  }
  return meta;
}

function objectHeaders(obj: StoredObject): Record<string, string> {
  return {
    etag: obj.etag,
    "last-modified": obj.lastModified.toUTCString(),
    "content-type": obj.contentType,
    "accept-ranges": "bytes",
    ...obj.metadata,
  };
}

/** Parses `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined if absent, null if unsatisfiable. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined | null {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? null : [start, end];
}

async function* paced(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, pacer: Pacer) {
  for await (const chunk of chunks) {
    await pacer.pace(chunk.length);
    yield chunk;
  }
}

async function getObject(
  req: IncomingMessage,
  res: ServerResponse,
  obj: StoredObject,
  pacer: Pacer | undefined,
): Promise<void> {
  const range = parseRange(req.headers.range, obj.size);
  if (range === null) {
    res.setHeader("content-range", `bytes */${obj.size}`);
    error(res, 416, "InvalidRange", "The requested range is not satisfiable");
    return;
  }
  const [start, end] = range ?? [0, obj.size - 1];
  const length = obj.size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, {
    ...objectHeaders(obj),
    "content-length": String(length),
    ...(range ? { "content-range": `bytes ${start}-${end}/${obj.size}` } : {}),
  });
  if (req.method === "HEAD" || length === 0) {
    res.end();
    return;
  }
  const bytes = objectBytes(obj, start, end);
  await pipeline(Readable.from(pacer ? paced(bytes, pacer) : bytes, { objectMode: false }), res);
}

async function handle(
  store: SinkStore,
  pacers: ConnectionPacers,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const pacer = pacers.for(req.socket);
  const consume = (target: BodyTarget = {}) => consumeBody(req, pacer ? { ...target, pacer } : target);
  const url = new URL(req.url ?? "/", "http://sink");
  const [, bucket = "", ...rest] = url.pathname.split("/");
  const key = decodeURIComponent(rest.join("/"));
  const q = url.searchParams;
  const path = `${bucket}/${key}`;
  const method = req.method ?? "GET";
  const contentType = String(req.headers["content-type"] ?? "binary/octet-stream");

  if (!key) {
    await consume();
    send(res, 200);
    return;
  }
  if (method === "POST" && q.has("uploads")) {
    await consume();
    const id = await store.createUpload(bucket, key, contentType, metadataOf(req));
    const algorithm = req.headers["x-amz-checksum-algorithm"];
    send(
      res,
      200,
      xml(
        `<InitiateMultipartUploadResult><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key>` +
          `<UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      ),
      algorithm ? { "x-amz-checksum-algorithm": String(algorithm) } : {},
    );
    return;
  }
  const uploadId = q.get("uploadId");
  if (uploadId !== null) {
    const up = store.uploads.get(uploadId);
    if (!up) {
      await consume();
      error(res, 404, "NoSuchUpload", `upload ${uploadId} does not exist`);
      return;
    }
    if (method === "PUT") {
      const partNumber = Number(q.get("partNumber"));
      const file = up.dir ? join(up.dir, String(partNumber).padStart(5, "0")) : undefined;
      const body = await consume(file ? { file } : {});
      up.parts.set(partNumber, { path: file ?? "", size: body.size });
      send(res, 200, "", { etag: store.etag(), ...body.checksums });
      return;
    }
    await consume();
    if (method === "DELETE") {
      await store.abort(uploadId);
      send(res, 204);
      return;
    }
    const obj = await store.complete(uploadId);
    send(
      res,
      200,
      xml(
        `<CompleteMultipartUploadResult><Location>http://sink/${esc(path)}</Location>` +
          `<Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><ETag>${esc(obj?.etag ?? "")}</ETag>` +
          `</CompleteMultipartUploadResult>`,
      ),
    );
    return;
  }
  if (method === "PUT") {
    const file = key.startsWith(KEEP_PREFIX) ? await store.newFile() : undefined;
    const body = await consume(file ? { file } : { memoryLimit: SMALL_BODY });
    const etag = store.etag();
    await store.put(path, {
      size: body.size,
      etag,
      lastModified: new Date(),
      contentType,
      metadata: metadataOf(req),
      ...(body.body ? { body: body.body } : {}),
      ...(file ? { parts: [{ path: file, size: body.size }] } : {}),
    });
    send(res, 200, "", { etag, ...body.checksums });
    return;
  }
  await consume();
  if (method === "DELETE") {
    await store.delete(path);
    send(res, 204);
    return;
  }
  const obj = store.get(path);
  if (!obj) {
    if (method === "HEAD") send(res, 404);
    else error(res, 404, "NoSuchKey", `key ${key} does not exist`);
    return;
  }
  await getObject(req, res, obj, pacer);
}

export interface SinkOptions {
  /** Serve HTTPS with this PEM key and certificate. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
  /** Per-connection bandwidth cap in bytes per second, both directions (0 = none). */
  readonly capBytesPerSecond?: number;
}

export function startSink(root: string, port = 0, options: SinkOptions = {}): Promise<Server> {
  const store = new SinkStore(root);
  const pacers = new ConnectionPacers(options.capBytesPerSecond ?? 0);
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(store, pacers, req, res).catch((err: unknown) => {
      if (!res.headersSent) error(res, 500, "InternalError", String(err));
      else res.destroy();
    });
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  server.keepAliveTimeout = 60_000;
  server.requestTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
