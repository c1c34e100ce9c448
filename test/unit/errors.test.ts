/**
 * The error table (ERROR_CLASS_NAMES in src/errors.ts) against the code: every code has one
 * class, and every error src/ constructs is that class with a code from the table.
 */
import { describe, expect, it } from "vitest";
import * as errors from "../../src/errors.js";
import { ERROR_CLASS_NAMES, type ErrorCode, ErrorCodes, S3CseError } from "../../src/errors.js";
import * as api from "../../src/index.js";
import { errorSites } from "../support/error-sites.js";

type ErrorClass = new (...args: never[]) => S3CseError;
const classOf = (name: string): ErrorClass | undefined =>
  (errors as unknown as Record<string, ErrorClass>)[name];
const classNames = new Set<string>(Object.values(ERROR_CLASS_NAMES));
/** Classes whose constructor takes no code: the table gives them exactly one. */
const codesOfClass = (name: string) =>
  (Object.keys(ERROR_CLASS_NAMES) as ErrorCode[]).filter((c) => ERROR_CLASS_NAMES[c] === name);
const takesCode = (name: string) => {
  const cls = classOf(name) as unknown as { length: number; toString(): string };
  return /constructor\(code/.test(cls.toString());
};
const sites = errorSites("src", new Set([...classNames, "S3CseError"]));

describe("the error table", () => {
  it("pairs every ErrorCodes entry with an exported S3CseError subclass, and nothing else", () => {
    expect(Object.keys(ERROR_CLASS_NAMES).sort()).toEqual(Object.keys(ErrorCodes).sort());
    for (const name of classNames) {
      const cls = classOf(name);
      expect(cls, name).toBeDefined();
      expect(cls?.prototype, name).toBeInstanceOf(S3CseError);
      expect((api as Record<string, unknown>)[name], `${name} is public`).toBe(cls);
    }
  });

  it("a class without a code parameter throws the one code the table gives it", () => {
    for (const name of classNames) {
      if (takesCode(name)) continue;
      const [code, ...more] = codesOfClass(name);
      expect(more, name).toEqual([]);
      const Cls = classOf(name) as unknown as new (m: string, f: string) => S3CseError;
      expect(new Cls("m", "--flag").code, name).toBe(code);
    }
  });

  it("finds the error constructions in src/ (the scan reads multi-line calls)", () => {
    expect(sites.length).toBeGreaterThan(150);
    expect(sites.some((s) => s.className === "FormatError" && s.codes?.length === 2)).toBe(true);
  });

  it("src/ constructs no plain Error and never the base S3CseError", () => {
    const plain = sites.filter((s) => !classNames.has(s.className));
    expect(plain.map((s) => `${s.file}:${s.line} new ${s.className}`)).toEqual([]);
  });

  it("every thrown code is in the table, with the class that throws it", () => {
    const wrong: string[] = [];
    for (const s of sites) {
      if (!classNames.has(s.className)) continue;
      if (!takesCode(s.className)) continue;
      if (!s.codes) {
        wrong.push(`${s.file}:${s.line} new ${s.className}(<not an ErrorCodes member>)`);
        continue;
      }
      for (const code of s.codes) {
        if (ERROR_CLASS_NAMES[code as ErrorCode] !== s.className)
          wrong.push(
            `${s.file}:${s.line} new ${s.className}(ErrorCodes.${code}); table: ${ERROR_CLASS_NAMES[code as ErrorCode]}`,
          );
      }
    }
    expect(wrong).toEqual([]);
  });
});
