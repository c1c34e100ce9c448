/**
 * The S3 object matchers as plain functions, shared by the `s3-cse/vitest` and `s3-cse/jest`
 * adapters (and usable with any runner whose `expect.extend` takes `(received, ...args) =>
 * { pass, message }`, sync or async). Each takes a HeadObject output or a plain metadata map.
 */
import {
  type ClientSideExpectation,
  clientSideEncrypted,
  type MatcherResult,
  rdsRestorable,
  serverSideEncrypted,
} from "./inspect/matchers.js";
import type { ObjectInput } from "./inspect/object-input.js";
import type { ServerSideKind } from "./inspect/server-side.js";

export type { ClientSideExpectation, MatcherResult, ObjectInput, ServerSideKind };

export interface S3CseMatchers<R = unknown> {
  /** Client-side encrypted with valid metadata; optionally of `format` and under `kmsKeyId` (async with `kms`). */
  toBeClientSideEncrypted(expected?: ClientSideExpectation): R;
  /** Server-side encrypted at rest; optionally of `kind`. */
  toBeServerSideEncrypted(kind?: ServerSideKind): R;
  /** V1 with x-amz-key / x-amz-iv / {} matdesc in object metadata, readable by RDS, within RDS size limits. */
  toBeRdsRestorable(): R;
}

/** The matchers as plain functions, for `expect.extend`. */
export const s3CseMatchers = {
  toBeClientSideEncrypted: (received: ObjectInput, expected?: ClientSideExpectation) =>
    clientSideEncrypted(received, expected),
  toBeServerSideEncrypted: (received: ObjectInput, kind?: ServerSideKind) =>
    serverSideEncrypted(received, kind),
  toBeRdsRestorable: (received: ObjectInput) => rdsRestorable(received),
};
