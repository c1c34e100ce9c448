/**
 * s3-cse's ranged GET (docs/formats.md#ranged-reads: AES-CTR for GCM objects, CBC for CBC objects) over objects the
 * official clients wrote: Ruby EncryptionV2 and Go EncryptionClientV2 (GCM), Go V1 client (CBC).
 *
 * moto echoes the whole object's Content-MD5 on ranged GETs of objects uploaded with one (both
 * Ruby and Go send it), and the JS SDK's default response-checksum validation then rejects the
 * partial body; real S3 returns no Content-MD5 on GetObject. So the ranged reads here use an S3
 * client with `responseChecksumValidation: "WHEN_REQUIRED"` (docs/interop.md).
 */
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { getDecryptedRange, KmsKeyring } from "../../src/index.js";
import { type InteropFixture, type Plaintext, startInteropFixture } from "./support/fixture.js";
import { buildGoDriver, goDriverOk } from "./support/go.js";
import { requireRuby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";

const SIZE = 100_003;
/** Inclusive [start, end] ranges: first byte, unaligned, one whole block, the tail, open-ended. */
const RANGES: [number, number | undefined][] = [
  [0, 0],
  [5, 4000],
  [16, 31],
  [SIZE - 13, SIZE - 1],
  [50_000, undefined],
];
const CONTEXT = { purpose: "ranged" };

failEveryTestUnless(requireRuby, buildGoDriver);

let fx: InteropFixture;
let s3: S3Client;
beforeAll(async () => {
  fx = await startInteropFixture();
  s3 = new S3Client({
    endpoint: fx.aws.moto.endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}, 120_000);
afterAll(async () => {
  s3?.destroy();
  await fx?.stop();
});

async function expectRanges(
  key: string,
  p: Plaintext,
  read: { context?: Record<string, string>; cbc?: boolean },
) {
  for (const [start, end] of RANGES) {
    const got = await getDecryptedRange({
      s3,
      bucket: fx.aws.bucket,
      key,
      keyring: new KmsKeyring({ client: fx.aws.kms, keyId: fx.aws.keyId }),
      range: end === undefined ? { start } : { start, end },
      encryptionContext: read.context ?? {},
      ...(read.cbc
        ? { allowLegacy: true }
        : { allowUnauthenticatedRanges: true, commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" }),
    });
    expect(
      got.equals(p.data.subarray(start, end === undefined ? undefined : end + 1)),
      `range ${start}-${end}`,
    ).toBe(true);
  }
}

describe("s3-cse ranged reads of official-client objects", () => {
  test("Ruby EncryptionV2 kms+context GCM object (AES-CTR)", async () => {
    const p = fx.plaintext(SIZE);
    await rubyOk({
      endpoint: fx.aws.moto.endpoint,
      bucket: fx.aws.bucket,
      key: "ruby-v2",
      op: "put",
      client: "v2",
      keyring: { kind: "kms", keyId: fx.aws.keyId },
      context: CONTEXT,
      file: p.file,
    });
    await expectRanges("ruby-v2", p, { context: CONTEXT });
  });

  test.each([
    ["v2", "GCM (AES-CTR)"],
    ["v1-cbc", "CBC"],
  ] as const)("Go %s object, %s", async (client, _mode) => {
    const p = fx.plaintext(SIZE);
    const key = `go-${client}`;
    await goDriverOk({
      endpoint: fx.aws.moto.endpoint,
      bucket: fx.aws.bucket,
      key,
      op: "put",
      client,
      kmsKeyId: fx.aws.keyId,
      file: p.file,
      ...(client === "v2" ? { context: CONTEXT } : {}),
    });
    await expectRanges(key, p, client === "v2" ? { context: CONTEXT } : { cbc: true });
  });
});
