import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILT_CLI, ensureBuilt } from "../support/cli.js";

interface PackFile {
  path: string;
  mode: number;
}

describe("the npm package (what `npm install -g` gets)", () => {
  it("npm pack contains the built CLI, both entry points, LICENSE, CHANGELOG and README, and no sources or tests", () => {
    ensureBuilt();
    // --ignore-scripts: `prepare` would rebuild dist/, which ensureBuilt() already did.
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const [pack] = JSON.parse(r.stdout) as [{ files: PackFile[] }];
    const paths = pack.files.map((f) => f.path);
    for (const required of [
      "package.json",
      "LICENSE",
      "CHANGELOG.md",
      "README.md",
      BUILT_CLI,
      "dist/index.js",
      "dist/index.cjs",
      "dist/index.d.ts",
      "dist/vitest.js",
    ])
      expect(paths).toContain(required);
    expect(paths.filter((p) => /^(src|test|scripts|fixtures|node_modules)\//.test(p))).toEqual([]);
    const bin = pack.files.find((f) => f.path === BUILT_CLI);
    expect((bin?.mode ?? 0) & 0o111).not.toBe(0); // npm marks bin files executable
    expect(readFileSync(BUILT_CLI, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
  }, 60_000);

  it("the AWS SDK clients are peer dependencies (one copy in the application) and the bundle does not inline them", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    for (const name of ["@aws-sdk/client-s3", "@aws-sdk/client-kms"]) {
      expect(pkg.peerDependencies?.[name], name).toMatch(/^\^3\./);
      expect(pkg.dependencies?.[name], name).toBeUndefined();
    }
    ensureBuilt();
    expect(readFileSync("dist/index.js", "utf8")).toMatch(/from ["']@aws-sdk\/client-s3["']/);
  });

  it("LICENSE is the full Apache-2.0 text the package.json license field names", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    const text = readFileSync("LICENSE", "utf8");
    expect(pkg.license).toBe("Apache-2.0");
    expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(text).toMatch(/END OF TERMS AND CONDITIONS/);
    expect(text.length).toBeGreaterThan(10_000);
  });

  it("a git install builds dist/ (prepare runs the build) and files lists LICENSE", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    expect(pkg.scripts.prepare).toBe("tsup --silent");
    expect(pkg.files).toEqual(expect.arrayContaining(["dist", "LICENSE", "CHANGELOG.md", "README.md"]));
    expect(pkg.bin["s3-cse"]).toBe(`./${BUILT_CLI}`);
  });
});
