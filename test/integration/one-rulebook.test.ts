/**
 * One rulebook (#9), on the real protocol: every vector of fixtures/vectors/manifest.json is stored
 * in moto_server (object metadata, body and, where it has one, `<key>.instruction`), then read back
 * by `download` (downloadToFile) and by `s3-cse verify` (the CLI) and `verifyObject` (the library).
 * The verifier must pass exactly the vectors whose metadata the decoder accepts — every vector the
 * download decrypts, and those it refuses for policy or authentication rather than metadata.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { isS3CseError } from "../../src/errors.js";
import { verifyObject } from "../../src/inspect/verify-object.js";
import type { Keyring } from "../../src/materials/keyring.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { ReadPolicyOptions } from "../../src/materials/policy.js";
import { RawAesKeyring } from "../../src/materials/raw-aes-keyring.js";
import { downloadToFile } from "../../src/transfer/download.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { runCli } from "../support/cli.js";
import { vectorFakeKms } from "../support/kms-doubles.js";

interface Encoded {
  encoding: "hex" | "base64" | "utf8";
  value: string;
}
interface Vector {
  id: string;
  keyring:
    | { type: "raw-aes"; key: Encoded }
    | { type: "kms"; kmsPlaintext?: Encoded; expectedEncryptionContext: Record<string, string> };
  readOptions: ReadPolicyOptions;
  metadata: Record<string, string>;
  instructionFile?: string;
  body: Encoded;
  expected: { outcome: "plaintext"; plaintext: Encoded } | { outcome: "error"; code: string };
}

const manifest = JSON.parse(
  readFileSync(new URL("../../fixtures/vectors/manifest.json", import.meta.url), "utf8"),
) as { vectors: Vector[] };
const bytes = (e: Encoded) => Buffer.from(e.value, e.encoding);
/** Refusals that are about policy or authentication: the metadata itself is valid. */
const NOT_METADATA = new Set(["LEGACY_MODE_REQUIRED", "COMMITMENT_POLICY", "AUTHENTICATION_FAILED"]);

function keyringFor(v: Vector): Keyring {
  if (v.keyring.type === "raw-aes") return new RawAesKeyring({ key: bytes(v.keyring.key) });
  const kms = vectorFakeKms(
    v.keyring.kmsPlaintext && bytes(v.keyring.kmsPlaintext),
    v.keyring.expectedEncryptionContext,
    "test-key-id",
  );
  return new KmsKeyring({ client: kms, keyId: "test-key-id" });
}

let aws: TestAws;
let dir: string;
beforeAll(async () => {
  aws = await startTestAws();
  dir = await mkdtemp(join(tmpdir(), "s3cse-rulebook-"));
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = "us-east-1";
  for (const v of manifest.vectors) {
    const key = `vectors/${v.id}`;
    await aws.s3.send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: bytes(v.body), Metadata: v.metadata }),
    );
    if (v.instructionFile !== undefined) {
      await aws.s3.send(
        new PutObjectCommand({ Bucket: aws.bucket, Key: `${key}.instruction`, Body: v.instructionFile }),
      );
    }
  }
});
afterAll(async () => {
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("one rulebook on moto: download, s3-cse verify and verifyObject agree on every published vector", () => {
  it("covers every vector of the manifest", () => {
    expect(manifest.vectors.length).toBeGreaterThanOrEqual(14);
  });

  it.each(manifest.vectors.map((v) => [v.id, v] as const))("%s", async (_id, v) => {
    const key = `vectors/${v.id}`;
    // download: the vector's own outcome.
    const file = join(dir, `${v.id}.out`);
    const downloaded = await downloadToFile({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      file,
      keyring: keyringFor(v),
      ...v.readOptions,
    }).then(
      () => ({ ok: true as const }),
      (err: unknown) => ({ ok: false as const, code: isS3CseError(err) ? err.code : String(err) }),
    );
    if (v.expected.outcome === "plaintext") {
      expect(downloaded).toEqual({ ok: true });
      expect((await readFile(file)).equals(bytes(v.expected.plaintext))).toBe(true);
    } else {
      expect(downloaded).toEqual({ ok: false, code: v.expected.code });
    }
    const metadataValid = downloaded.ok || NOT_METADATA.has(downloaded.code);

    // The verifier (metadata checks, no decryption): library and CLI, the same verdict.
    const verified = await verifyObject({ s3: aws.s3, bucket: aws.bucket, key });
    const errors = verified.findings.filter((f) => f.severity === "error");
    expect(verified.ok, JSON.stringify(errors)).toBe(metadataValid);
    const cli = await runCli([
      "verify",
      `s3://${aws.bucket}/${key}`,
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ]);
    expect(cli.json().ok, cli.stdout).toBe(metadataValid);
    expect(cli.code).toBe(metadataValid ? 0 : 1);
  });
});
