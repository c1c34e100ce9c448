/**
 * The README documents every CLI command and every flag each command takes. The flags are read from
 * the program the binary runs (`buildProgram`, commander's `commands[].options`), so a new flag
 * without a README entry fails here.
 */
import { readFileSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../../src/cli/main.js";

const readme = readFileSync("README.md", "utf8");
const program = buildProgram(
  {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env: {},
    signal: new AbortController().signal,
  },
  () => {},
);
const commands: readonly Command[] = program.commands;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `--flag` in backticks, not as the prefix of a longer flag (`--sse` is not `--sse-kms-key-id`). */
const documented = (flag: string) => new RegExp(`\`${escapeRegExp(flag)}(?![\\w-])`).test(readme);

describe("README documents every CLI flag", () => {
  it("the program has the commands the README lists", () => {
    expect(commands.map((c) => c.name())).toEqual([
      "upload",
      "download",
      "verify",
      "cp",
      "rewrap",
      "encrypt",
      "decrypt",
      "upload-encrypted",
      "abort-upload",
    ]);
  });

  for (const command of commands) {
    it(`s3-cse ${command.name()}: the command and each of its flags are in README.md`, () => {
      expect(readme).toContain(`s3-cse ${command.name()}`);
      const flags = command.options.map((o) => o.long ?? o.short ?? o.flags);
      expect(flags.length).toBeGreaterThan(0);
      const missing = flags.filter((f) => !documented(f));
      expect(missing, `flags of ${command.name()} missing from README.md`).toEqual([]);
    });
  }

  it("the check can fail: an undocumented flag is reported", () => {
    expect(documented("--no-such-flag-anywhere")).toBe(false);
    expect(documented("--sse")).toBe(true);
  });
});
