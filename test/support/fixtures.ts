/**
 * Per-file fixtures for the tests that talk to moto_server: each `use…` call registers its own
 * vitest hooks (start in beforeAll, stop in afterAll; after hooks run in reverse order, so a
 * fault proxy closes before the moto_server behind it) and returns a handle the tests use as if
 * it were the started thing. Call them at the top level of a test file:
 *
 *   const aws = useTestAws();
 *   const net = useFaultProxy(aws);          // net.proxy, net.s3 (an S3Client through the proxy)
 *   const dir = useTempDir("s3cse-dl-");
 *   useCliCredentials();                     // the CLI under test finds moto's credentials
 *   await putEncrypted(aws, "k", data, "v3");
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import {
  type EncryptAndUploadOptions,
  encryptAndUpload,
  type UploadResult,
} from "../../src/transfer/upload.js";
import { startTestAws, type TestAws } from "./aws.js";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.js";
import { writePolicyFor } from "./write-policy.js";

/**
 * A stand-in for an object that exists only once a hook has run: property reads (methods bound
 * to it) and `instanceof` go to the current object; reading it before the hook ran throws.
 */
export function lazy<T extends object>(what: string, current: () => T | undefined): T {
  const get = (): T => {
    const value = current();
    if (value === undefined) throw new Error(`${what} is used before its beforeAll hook ran`);
    return value;
  };
  return new Proxy({} as T, {
    get(_, property) {
      const target = get();
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    has: (_, property) => Reflect.has(get(), property),
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
  });
}

/** A moto_server with a fresh bucket and KMS key for this file (test/support/aws.ts). */
export function useTestAws(): TestAws {
  let aws: TestAws | undefined;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => {
    await aws?.stop();
  });
  return lazy("the moto_server fixture", () => aws);
}

export interface FaultProxyFixture {
  /** The fault-injecting proxy in front of moto (rules are cleared before each test). */
  readonly proxy: FaultProxy;
  /** An S3 client whose requests go through the proxy. */
  readonly s3: S3Client;
}

/** The fault proxy (test/support/fault-proxy.ts) in front of `aws`'s moto_server. */
export function useFaultProxy(aws: TestAws): FaultProxyFixture {
  let proxy: FaultProxy | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy(aws.moto.endpoint);
    s3 = new S3Client({
      endpoint: proxy.endpoint,
      region: EMULATOR_REGION,
      credentials: EMULATOR_CREDENTIALS,
      forcePathStyle: true,
    });
  });
  beforeEach(() => proxy?.clearRules());
  afterAll(async () => {
    s3?.destroy();
    await proxy?.close();
  });
  return { proxy: lazy("the fault proxy", () => proxy), s3: lazy("the proxied S3 client", () => s3) };
}

/** A temporary directory, made now and removed after the file's tests. */
export function useTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Gives the process moto's credentials and region, as the CLI under test reads them from the environment. */
export function useCliCredentials(): void {
  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = EMULATOR_REGION;
  });
}

/** A KMS keyring on the fixture's key. */
export function kmsKeyring(aws: TestAws): KmsKeyring {
  return new KmsKeyring({ client: aws.kms, keyId: aws.keyId });
}

/** Uploads `data` encrypted to the fixture's bucket with its KMS key (one chunk, pull-based). */
export function putEncrypted(
  aws: TestAws,
  key: string,
  data: Buffer,
  format: WriteFormat,
  extra: Partial<EncryptAndUploadOptions> = {},
): Promise<UploadResult> {
  return encryptAndUpload({
    s3: aws.s3,
    bucket: aws.bucket,
    key,
    source: Readable.from([data]),
    keyring: kmsKeyring(aws),
    format,
    commitmentPolicy: writePolicyFor(format),
    ...extra,
  });
}
