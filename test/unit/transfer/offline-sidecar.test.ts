import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../src/errors.js";
import { readSidecar } from "../../../src/transfer/offline-sidecar.js";

const dir = mkdtempSync(join(tmpdir(), "s3cse-sidecar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const digest = { length: 10, sha256: "a".repeat(64) };
const good = {
  version: 1,
  format: "rds",
  metadata: { "x-amz-iv": "AAAA" },
  plaintext: digest,
  ciphertext: digest,
};

describe("readSidecar", () => {
  it("Precondition: a sidecar has version 1, a format, string metadata and two digests", async () => {
    const path = join(dir, "x.s3cse.json");
    writeFileSync(path, JSON.stringify(good));
    await expect(readSidecar(path)).resolves.toMatchObject({ format: "rds" });
    for (const bad of [
      { ...good, version: 2 },
      { ...good, format: "v1" },
      { ...good, metadata: { "x-amz-iv": 1 } },
      { ...good, plaintext: { length: -1, sha256: digest.sha256 } },
      { ...good, ciphertext: { length: 10, sha256: "not-hex" } },
      { ...good, ciphertext: undefined },
      [],
      null,
    ]) {
      writeFileSync(path, JSON.stringify(bad));
      await expect(readSidecar(path)).rejects.toMatchObject({
        code: ErrorCodes.INVALID_METADATA,
        message: `${path} is not an s3-cse sidecar (version 1)`,
      });
    }
  });
});
