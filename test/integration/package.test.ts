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
      "dist/pipeline/encrypt-worker.js",
      "dist/jest.js",
      "dist/jest.cjs",
      "dist/jest.d.ts",
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

  it("s3-cse/jest: require() through the package exports gives the matchers and registers them on Jest's global expect; jest and vitest are optional peers", () => {
    ensureBuilt();
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));
    for (const runner of ["jest", "vitest"]) {
      expect(pkg.peerDependencies?.[runner], runner).toBeDefined();
      expect(pkg.peerDependenciesMeta?.[runner]?.optional, runner).toBe(true);
    }
    // A CommonJS program in a fresh process, with a stand-in for Jest's global expect.
    const program = [
      "const extended = [];",
      "globalThis.expect = { extend: (m) => extended.push(...Object.keys(m)) };",
      'const m = require("s3-cse/jest");',
      'console.log(JSON.stringify({ file: require.resolve("s3-cse/jest"), exported: Object.keys(m.s3CseMatchers), extended }));',
    ].join("\n");
    const r = spawnSync(process.execPath, ["-e", program], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.file).toMatch(/dist\/jest\.cjs$/);
    const names = ["toBeClientSideEncrypted", "toBeRdsRestorable", "toBeServerSideEncrypted"];
    expect(out.exported.sort()).toEqual(names);
    expect(out.extended.sort()).toEqual(names);
  });
});
