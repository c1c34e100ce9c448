/**
 * vitest matchers for S3 objects (subpath export `s3-cse/vitest`). Importing this module
 * registers them with vitest's `expect`; put `import "s3-cse/vitest";` in a setup file or test.
 * Each matcher takes a HeadObject output or a plain metadata map. See docs/verifier.md.
 */
import { expect } from "vitest";
import { type S3CseMatchers, s3CseMatchers } from "./test-matchers.js";

export type { ClientSideExpectation, MatcherResult, S3CseMatchers, ServerSideKind } from "./test-matchers.js";
export { s3CseMatchers } from "./test-matchers.js";

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: vitest's own Assertion signature.
  interface Assertion<T = any> extends S3CseMatchers<T> {}
  interface AsymmetricMatchersContaining extends S3CseMatchers {}
}

expect.extend(s3CseMatchers);
