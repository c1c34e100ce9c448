/**
 * Test-framework-neutral assertions behind the `s3-cse/vitest` matchers. Each returns
 * `{ pass, message }` (a Promise when it has to ask KMS); messages say which key or value is wrong.
 */

import { decodeBase64 } from "../codec/base64.js";
import type { FormatGeneration } from "../codec/content-metadata.js";
import { Keys, LEGACY_KMS_CMK_ID_KEY } from "../codec/metadata-keys.js";
import { DecryptCommand, type KmsClientLike, kmsError } from "../materials/kms-client.js";
import type { Finding } from "./findings.js";
import { type Inspection, inspectObject } from "./inspect-object.js";
import type { ObjectInput } from "./object-input.js";
import { checkRdsFormat } from "./rds-format.js";
import type { ServerSideKind } from "./server-side.js";

export interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

export interface ClientSideExpectation {
  /** `rds` is accepted for `v1`. */
  readonly format?: FormatGeneration | "rds";
  /** The KMS key the data key must be wrapped under. */
  readonly kmsKeyId?: string;
  /** Lets the matcher ask KMS (Decrypt with KeyId) when the metadata does not name the key. */
  readonly kms?: KmsClientLike;
}

const describeFindings = (fs: readonly Finding[]) => fs.map((f) => `  - [${f.code}] ${f.message}`).join("\n");
const errorsOf = (i: Inspection) => i.findings.filter((f) => f.severity === "error");
const result = (pass: boolean, message: string): MatcherResult => ({ pass, message: () => message });

const GENERATION_KEY: Record<FormatGeneration, string> = {
  v1: Keys.KEY_V1,
  v2: Keys.KEY_V2,
  v3: Keys.V3_KEY,
};

function sameKey(a: string, b: string): boolean {
  const tail = (s: string) => s.slice(s.lastIndexOf("/") + 1);
  return a === b || (!a.startsWith("alias") && !b.startsWith("alias") && tail(a) === tail(b));
}

async function unwrapsWith(i: Inspection, keyId: string, kms: KmsClientLike): Promise<string | undefined> {
  const m = i.effectiveMetadata;
  const cs = i.clientSide!;
  const wrapped = m[GENERATION_KEY[cs.format]];
  const context = cs.encryptionContext ?? (cs.format === "v1" ? cs.materialsDescription : undefined) ?? {};
  try {
    const out = await kms.send(
      new DecryptCommand({
        CiphertextBlob: decodeBase64(wrapped ?? "", GENERATION_KEY[cs.format]),
        KeyId: keyId,
        ...(Object.keys(context).length > 0 ? { EncryptionContext: context } : {}),
      }),
    );
    (out?.Plaintext as Uint8Array | undefined)?.fill(0);
    return undefined;
  } catch (err) {
    return kmsError("Decrypt", keyId, err).message;
  }
}

/** Client-side encrypted, with valid metadata, optionally in `format` and under `kmsKeyId`. */
export function clientSideEncrypted(
  received: ObjectInput,
  expected: ClientSideExpectation = {},
): MatcherResult | Promise<MatcherResult> {
  const i = inspectObject(received);
  const cs = i.clientSide;
  if (!cs) {
    return result(
      false,
      `expected the object to be client-side encrypted, but:\n${describeFindings(i.findings)}`,
    );
  }
  const label = `client-side ${cs.format.toUpperCase()} (${GENERATION_KEY[cs.format]})`;
  const errors = errorsOf(i);
  if (errors.length > 0) {
    return result(
      false,
      `expected valid client-side encryption metadata, but the ${label} metadata has errors:\n${describeFindings(errors)}`,
    );
  }
  const format = expected.format === "rds" ? "v1" : expected.format;
  if (format && format !== cs.format) {
    return result(false, `expected client-side format ${format.toUpperCase()}, but the object is ${label}`);
  }
  if (!expected.kmsKeyId)
    return result(true, `expected the object not to be client-side encrypted, but it is ${label}`);
  const keyId = expected.kmsKeyId;
  const named = cs.encryptionContext?.[LEGACY_KMS_CMK_ID_KEY];
  if (named !== undefined) {
    const ok = sameKey(named, keyId);
    return result(
      ok,
      ok
        ? `expected the data key not to be wrapped under ${keyId}, but ${Keys.MATDESC} names it (${LEGACY_KMS_CMK_ID_KEY})`
        : `expected the data key to be wrapped under ${keyId}, but ${Keys.MATDESC} ${LEGACY_KMS_CMK_ID_KEY} is "${named}"`,
    );
  }
  if (!expected.kms) {
    return result(
      false,
      `the ${label} metadata does not name its KMS key, so kmsKeyId ${keyId} cannot be checked from metadata alone: pass { kms: kmsClient } to ask KMS`,
    );
  }
  return unwrapsWith(i, keyId, expected.kms).then((failure) =>
    failure === undefined
      ? result(true, `expected the data key not to unwrap under ${keyId}, but KMS Decrypt succeeded`)
      : result(false, `expected ${GENERATION_KEY[cs.format]} to unwrap under ${keyId}, but ${failure}`),
  );
}

/** Server-side encrypted at rest, optionally of `kind`. */
export function serverSideEncrypted(received: ObjectInput, kind?: ServerSideKind): MatcherResult {
  const ss = inspectObject(received).serverSide;
  if (!ss) {
    return result(
      false,
      `expected the object to be server-side encrypted${kind ? ` (${kind})` : ""}, but it has no ServerSideEncryption / SSECustomerAlgorithm`,
    );
  }
  const label = `${ss.kind}${ss.kmsKeyId ? ` (SSEKMSKeyId ${ss.kmsKeyId})` : ""}`;
  if (kind && kind !== ss.kind) {
    return result(false, `expected server-side encryption ${kind}, but the object is ${label}`);
  }
  return result(
    true,
    `expected the object not to be server-side encrypted${kind ? ` with ${kind}` : ""}, but it is ${label}`,
  );
}

/** In the form RDS restores: V1, object metadata, `{}` matdesc, readable at rest, within size limits. */
export function rdsRestorable(received: ObjectInput): MatcherResult {
  const i = inspectObject(received);
  const problems = [...errorsOf(i), ...checkRdsFormat(i).filter((f) => f.severity === "error")];
  if (problems.length > 0) {
    const lines = problems.map(
      (f) => `  - [${f.code}] ${f.message}${f.rdsError ? ` (RDS: ${f.rdsError})` : ""}`,
    );
    return result(false, `expected the object to be restorable by RDS, but:\n${lines.join("\n")}`);
  }
  return result(
    true,
    "expected the object not to be restorable by RDS, but it is V1 with x-amz-key, x-amz-iv and {} matdesc",
  );
}
