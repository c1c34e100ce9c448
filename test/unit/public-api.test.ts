import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";

const report = readFileSync(new URL("../../etc/s3-cse.api.md", import.meta.url), "utf8");

describe("the public API (src/index.ts)", () => {
  it("exports no AWS SDK command classes and none of the layers' helpers", () => {
    const names = Object.keys(api);
    expect(names.filter((n) => n.endsWith("Command"))).toEqual([]);
    for (const internal of [
      "encryptParts",
      "uploadParts",
      "createContentEncryptor",
      "prepareEncryption",
      "Keys",
    ])
      expect(names).not.toContain(internal);
  });

  it("every runtime export is in the committed API report (etc/s3-cse.api.md)", () => {
    const missing = Object.keys(api).filter((n) => !new RegExp(`\\b${n}\\b`).test(report));
    expect(missing).toEqual([]);
  });
});
