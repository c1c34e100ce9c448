/**
 * Jest matchers for S3 objects (subpath export `s3-cse/jest`, ESM and `require()`). Loading it from
 * a Jest setup file (`setupFilesAfterEnv: ["s3-cse/jest"]`) or a test registers them with Jest's
 * global `expect`; with `@jest/globals` (no globals), call `expect.extend(s3CseMatchers)` yourself.
 * Same matchers, same messages as `s3-cse/vitest`. See docs/verifier.md.
 */
import { type S3CseMatchers, s3CseMatchers } from "./test-matchers.js";

export type { ClientSideExpectation, MatcherResult, S3CseMatchers, ServerSideKind } from "./test-matchers.js";
export { s3CseMatchers } from "./test-matchers.js";

declare global {
  // Jest's global types (@types/jest) read matchers from this namespace.
  namespace jest {
    interface Matchers<R> extends S3CseMatchers<R> {}
    interface Expect extends S3CseMatchers {}
    interface InverseAsymmetricMatchers extends S3CseMatchers {}
  }
}

interface ExpectLike {
  extend(matchers: Record<string, (...args: never[]) => unknown>): void;
}

const globalExpect = (globalThis as { expect?: Partial<ExpectLike> }).expect;
// Registers only where Jest put its global expect (a setup file or a test file loads this module).
if (typeof globalExpect?.extend === "function") globalExpect.extend(s3CseMatchers);
