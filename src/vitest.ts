/**
 * vitest matchers for S3 objects (subpath export `s3-cse/vitest`). Importing this module
 * registers them with vitest's `expect`; put `import "s3-cse/vitest";` in a setup file or test.
 * Each matcher takes a HeadObject output or a plain metadata map. See docs/verifier.md.
 */
import { expect } from "vitest";
import {
  type ClientSideExpectation,
  clientSideEncrypted,
  type MatcherResult,
  rdsRestorable,
  serverSideEncrypted,
} from "./inspect/matchers.js";
import type { ObjectInput } from "./inspect/object-input.js";
import type { ServerSideKind } from "./inspect/server-side.js";

export type { ClientSideExpectation, MatcherResult, ServerSideKind };

export interface S3CseMatchers<R = unknown> {
  /** Client-side encrypted with valid metadata; optionally of `format` and under `kmsKeyId` (async with `kms`). */
  toBeClientSideEncrypted(expected?: ClientSideExpectation): R;
  /** Server-side encrypted at rest; optionally of `kind`. */
  toBeServerSideEncrypted(kind?: ServerSideKind): R;
  /** V1 with x-amz-key / x-amz-iv / {} matdesc in object metadata, readable by RDS, within RDS size limits. */
  toBeRdsRestorable(): R;
}

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: vitest's own Assertion signature.
  interface Assertion<T = any> extends S3CseMatchers<T> {}
  interface AsymmetricMatchersContaining extends S3CseMatchers {}
}

/** The matchers as plain functions, for `expect.extend` in other runners. */
export const s3CseMatchers = {
  toBeClientSideEncrypted: (received: ObjectInput, expected?: ClientSideExpectation) =>
    clientSideEncrypted(received, expected),
  toBeServerSideEncrypted: (received: ObjectInput, kind?: ServerSideKind) =>
    serverSideEncrypted(received, kind),
  toBeRdsRestorable: (received: ObjectInput) => rdsRestorable(received),
};

expect.extend(s3CseMatchers);
