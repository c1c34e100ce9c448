import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FindingCodes } from "../../../src/inspect/findings.js";

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");
const doc = read("docs/verifier.md");
const exampleTest = read("test/integration/verifier-doc-example.test.ts");

/** `import { a, b } from "m"` → ["m", ["a", "b"]]; side-effect imports have no names. */
function imports(code: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of code.matchAll(/^import (?:(?:type )?\{([^}]*)\} from )?"([^"]+)";$/gm)) {
    const names = (m[1] ?? "")
      .split(",")
      .map((n) => n.trim().replace(/^type /, ""))
      .filter(Boolean);
    out.set(m[2]!, new Set([...(out.get(m[2]!) ?? []), ...names]));
  }
  return out;
}

describe("docs/verifier.md", () => {
  const block = doc.slice(doc.indexOf("### Example test"));
  const snippet = block.slice(
    block.indexOf("```ts\n") + 6,
    block.indexOf("\n```", block.indexOf("```ts\n") + 6),
  );

  it("shows the example test's it-block verbatim", () => {
    const region = exampleTest
      .split("// docs/verifier.md example: start\n")[1]!
      .split("  // docs/verifier.md example: end")[0]!;
    const dedented = region.replace(/^ {2}/gm, "").trimEnd();
    expect(dedented).toMatch(/^it\("uploads a backup that RDS can restore"[\s\S]*toBeRdsRestorable/);
    expect(snippet).toContain(dedented);
  });

  it("imports in the example only what the real test imports", () => {
    const testImports = imports(exampleTest);
    expect([...imports(snippet).keys()]).toEqual(["@aws-sdk/client-s3", "s3-cse", "s3-cse/vitest", "vitest"]);
    for (const [module, names] of imports(snippet)) {
      expect(testImports.has(module), module).toBe(true);
      for (const name of names)
        expect(testImports.get(module)?.has(name), `${name} from ${module}`).toBe(true);
    }
  });

  it("documents every finding code", () => {
    for (const code of Object.values(FindingCodes)) expect(doc, code).toContain(`\`${code}\``);
  });
});
