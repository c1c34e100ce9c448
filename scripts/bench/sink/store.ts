/**
 * What the discard sink remembers. Bodies are thrown away, except:
 * - small PutObject bodies (instruction files, probes: ≤ SMALL_BODY bytes) are kept in memory;
 * - objects whose key starts with `keep/` are written to disk part by part, so the download
 *   benchmark reads back a real encrypted object;
 * Every other object is served on GET as deterministic generated content of its recorded size
 * (`generatedByte(i) = PATTERN[i % PATTERN.length]`); so is any key `generated/<bytes>`.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

export const SMALL_BODY = 1024 * 1024;
export const KEEP_PREFIX = "keep/";

/** 1 MiB of deterministic pseudo-random bytes (SHA-256 counter stream). */
export const PATTERN: Buffer = (() => {
  const out = Buffer.alloc(1024 * 1024);
  for (let off = 0, n = 0; off < out.length; off += 32, n++) {
    createHash("sha256").update(`s3-cse-bench-${n}`).digest().copy(out, off);
  }
  return out;
})();

export interface PartFile {
  readonly path: string;
  readonly size: number;
}

export interface StoredObject {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  /** In-memory body (small PutObject) … */
  readonly body?: Buffer;
  /** … or the kept parts on disk, in order; neither: generated content. */
  readonly parts?: readonly PartFile[];
}

export interface UploadState {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly dir: string | undefined;
  readonly parts: Map<number, PartFile>;
}

export class SinkStore {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, UploadState>();
  private counter = 0;

  constructor(private readonly root: string) {}

  etag(): string {
    this.counter += 1;
    return `"${createHash("md5").update(`etag-${this.counter}-${Date.now()}`).digest("hex")}"`;
  }

  /** A fresh file name under the sink's directory (for a kept PutObject body). */
  async newFile(): Promise<string> {
    await mkdir(this.root, { recursive: true });
    return join(this.root, randomUUID());
  }

  async createUpload(
    bucket: string,
    key: string,
    contentType: string,
    metadata: Record<string, string>,
  ): Promise<string> {
    const id = randomUUID();
    const dir = key.startsWith(KEEP_PREFIX) ? join(this.root, id) : undefined;
    if (dir) await mkdir(dir, { recursive: true });
    this.uploads.set(id, { bucket, key, contentType, metadata, dir, parts: new Map() });
    return id;
  }

  async complete(id: string): Promise<StoredObject | undefined> {
    const up = this.uploads.get(id);
    if (!up) return undefined;
    this.uploads.delete(id);
    const numbers = [...up.parts.keys()].sort((a, b) => a - b);
    const parts = numbers.map((n) => up.parts.get(n)!);
    const size = parts.reduce((sum, p) => sum + p.size, 0);
    const obj: StoredObject = {
      size,
      etag: `"${createHash("md5").update(id).digest("hex")}-${parts.length}"`,
      lastModified: new Date(),
      contentType: up.contentType,
      metadata: up.metadata,
      ...(up.dir ? { parts } : {}),
    };
    await this.put(`${up.bucket}/${up.key}`, obj);
    return obj;
  }

  async abort(id: string): Promise<boolean> {
    const up = this.uploads.get(id);
    if (!up) return false;
    this.uploads.delete(id);
    if (up.dir) await rm(up.dir, { recursive: true, force: true });
    return true;
  }

  /** Stores an object, removing the files of the one it replaces. */
  async put(path: string, obj: StoredObject): Promise<void> {
    const old = this.objects.get(path);
    this.objects.set(path, obj);
    if (old?.parts) await Promise.all(old.parts.map((p) => rm(p.path, { force: true })));
  }

  async delete(path: string): Promise<void> {
    const old = this.objects.get(path);
    this.objects.delete(path);
    if (old?.parts) await Promise.all(old.parts.map((p) => rm(p.path, { force: true })));
  }

  get(path: string): StoredObject | undefined {
    const found = this.objects.get(path);
    if (found) return found;
    const m = /^[^/]+\/generated\/(\d+)$/.exec(path);
    if (!m) return undefined;
    return {
      size: Number(m[1]),
      etag: `"generated-${m[1]}"`,
      lastModified: new Date(0),
      contentType: "application/octet-stream",
      metadata: {},
    };
  }
}

/** The bytes [start, end] (inclusive) of an object, as a stream of buffers. */
export async function* objectBytes(obj: StoredObject, start: number, end: number): AsyncGenerator<Buffer> {
  if (obj.body) {
    yield obj.body.subarray(start, end + 1);
    return;
  }
  if (obj.parts) {
    let base = 0;
    for (const part of obj.parts) {
      const from = Math.max(start, base);
      const to = Math.min(end, base + part.size - 1);
      if (from <= to) {
        yield* createReadStream(part.path, { start: from - base, end: to - base, highWaterMark: 1 << 20 });
      }
      base += part.size;
      if (base > end) break;
    }
    return;
  }
  let pos = start;
  while (pos <= end) {
    const off = pos % PATTERN.length;
    const n = Math.min(PATTERN.length - off, end - pos + 1);
    yield PATTERN.subarray(off, off + n);
    pos += n;
  }
}
