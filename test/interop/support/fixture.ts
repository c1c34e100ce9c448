/** Per-file interop fixture: a moto_server with bucket + KMS key, a temp dir and plaintext files. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startTestAws, type TestAws } from "../../support/aws.js";
import { lazy } from "../../support/fixtures.js";
import { sha256 } from "./s3cse.js";

export interface Plaintext {
  readonly size: number;
  readonly data: Buffer;
  readonly sha256: string;
  /** A file holding `data`. */
  readonly file: string;
}

export interface InteropFixture {
  readonly aws: TestAws;
  readonly dir: string;
  plaintext(size: number): Plaintext;
  /** A fresh path in the temp dir (for a driver's output). */
  outFile(name: string): string;
  stop(): Promise<void>;
}

/** Sizes that cross the AES block and GCM tag boundaries, plus one multi-MiB body. */
export const SIZES = [0, 1, 16, 17, 3 * 1024 * 1024 + 5] as const;

/** A body s3-cse uploads in three parts (5 MiB part size, final part shorter and not block-aligned). */
export const MULTIPART = { size: 11 * 1024 * 1024 + 5, partSize: 5 * 1024 * 1024, parts: 3 } as const;

export async function startInteropFixture(): Promise<InteropFixture> {
  const aws = await startTestAws();
  const dir = mkdtempSync(join(tmpdir(), "s3cse-interop-"));
  let n = 0;
  return {
    aws,
    dir,
    plaintext(size) {
      const data = randomBytes(size);
      const file = join(dir, `plain-${n++}-${size}.bin`);
      writeFileSync(file, data);
      return { size, data, sha256: sha256(data), file };
    },
    outFile: (name) => join(dir, `${n++}-${name}`),
    stop: async () => {
      await aws.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The fixture for this test file: started in a beforeAll hook (`timeoutMs`, default vitest's),
 * stopped in afterAll. Use the returned handle from tests and later hooks.
 */
export function useInteropFixture(timeoutMs?: number): InteropFixture {
  let fx: InteropFixture | undefined;
  beforeAll(async () => {
    fx = await startInteropFixture();
  }, timeoutMs);
  afterAll(async () => {
    await fx?.stop();
  });
  return lazy("the interop fixture", () => fx);
}
