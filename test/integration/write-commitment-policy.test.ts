/**
 * The commitment policy on writes (issue #9), every policy × format pair through every write path,
 * against moto_server: allowed pairs write the format asked for; refused pairs fail with
 * COMMITMENT_POLICY naming the option or flag to use, and store nothing (no object, no multipart
 * upload, no checkpoint).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { EncryptedUpload } from "../../src/client/encrypted-upload.js";
import { S3EncryptionClient } from "../../src/client/s3-encryption-client.js";
import { decodeContentMetadata } from "../../src/codec/decode.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../src/materials/materials.js";
import type { CommitmentPolicy } from "../../src/materials/policy.js";
import { encryptFile } from "../../src/transfer/offline.js";
import { encryptAndUpload } from "../../src/transfer/upload.js";
import { encryptAndUploadFile } from "../../src/transfer/upload-file.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { runBuiltCli } from "../support/cli.js";

const MiB = 1024 * 1024;
/** Two parts of 5 MiB: a refusal after CreateMultipartUpload would leave an upload to find. */
const DATA = randomBytes(5 * MiB + 17);
const PART = 5 * MiB;

const POLICIES: CommitmentPolicy[] = [
  "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
  "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
  "FORBID_ENCRYPT_ALLOW_DECRYPT",
];
const FORMATS: WriteFormat[] = ["rds", "v2", "v3"];
/** docs/security.md's table: V2 only under FORBID, V3 only under REQUIRE_*, V1 (rds) under every policy. */
const allowed = (p: CommitmentPolicy, f: WriteFormat) =>
  f === "rds" || (f === "v2") === (p === "FORBID_ENCRYPT_ALLOW_DECRYPT");
const PAIRS = POLICIES.flatMap((p) => FORMATS.map((f) => [p, f, allowed(p, f)] as const));
const cliPolicy = (p: CommitmentPolicy) => p.toLowerCase().replaceAll("_", "-");

/** What the refusal must name: the option/flag that writes this format, for the CLI and the library. */
const HINT: Record<"v2" | "v3", { cli: RegExp; lib: RegExp }> = {
  v2: {
    cli: /--commitment-policy forbid-encrypt-allow-decrypt/,
    lib: /\{ commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT" \}/,
  },
  v3: {
    cli: /--commitment-policy require-encrypt-require-decrypt/,
    lib: /\{ commitmentPolicy: "REQUIRE_ENCRYPT_REQUIRE_DECRYPT" \}/,
  },
};

let aws: TestAws;
let dir: string;
let file: string;
beforeAll(async () => {
  aws = await startTestAws();
  dir = await mkdtemp(join(tmpdir(), "s3cse-write-policy-"));
  file = join(dir, "plain.bin");
  await writeFile(file, DATA);
});
afterAll(async () => {
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

const keyring = () => new KmsKeyring({ client: aws.kms, keyId: aws.keyArn });

/** Each path writes `key` under the pair, or rejects. */
type WritePath = (key: string, policy: CommitmentPolicy, format: WriteFormat) => Promise<void>;

const PATHS: Record<string, WritePath> = {
  encryptAndUpload: async (key, policy, format) => {
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      source: Readable.from([DATA]),
      keyring: keyring(),
      format,
      commitmentPolicy: policy,
      partSize: PART,
    });
  },
  encryptAndUploadFile: async (key, policy, format) => {
    await encryptAndUploadFile({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      file,
      keyring: keyring(),
      format,
      commitmentPolicy: policy,
      partSize: PART,
    });
  },
  "encryptAndUploadFile with a checkpoint": async (key, policy, format) => {
    const checkpoint = join(dir, `${key.replaceAll("/", "_")}.json`);
    try {
      await encryptAndUploadFile({
        s3: aws.s3,
        bucket: aws.bucket,
        key,
        file,
        keyring: keyring(),
        format,
        commitmentPolicy: policy,
        partSize: PART,
        checkpoint: { path: checkpoint },
      });
    } finally {
      // A refused upload writes no checkpoint; a finished one removes it.
      expect(existsSync(checkpoint)).toBe(false);
    }
  },
  "S3EncryptionClient PutObject": async (key, policy, format) => {
    const client = new S3EncryptionClient({
      client: aws.s3,
      keyring: keyring(),
      format,
      commitmentPolicy: policy,
      partSize: PART,
    });
    await client.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: DATA }));
  },
  EncryptedUpload: async (key, policy, format) => {
    const client = new S3EncryptionClient({
      client: aws.s3,
      keyring: keyring(),
      format,
      commitmentPolicy: policy,
    });
    await new EncryptedUpload({
      client,
      params: { Bucket: aws.bucket, Key: key, Body: Readable.from([DATA]) },
      partSize: PART,
    }).done();
  },
  "built CLI upload --commitment-policy": (key, policy, format) => builtCli("upload", key, policy, format),
  "built CLI cp --commitment-policy": (key, policy, format) => builtCli("cp", key, policy, format),
};

async function builtCli(
  command: "upload" | "cp",
  key: string,
  policy: CommitmentPolicy,
  format: WriteFormat,
): Promise<void> {
  const r = await runBuiltCli(
    [
      command,
      file,
      `s3://${aws.bucket}/${key}`,
      "--kms-key-id",
      aws.keyArn,
      "--format",
      format,
      "--commitment-policy",
      cliPolicy(policy),
      "--part-size",
      "5MiB",
      "--no-rds-checks",
      "--json",
      "--endpoint-url",
      aws.moto.endpoint,
    ],
    {
      env: {
        AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
        AWS_REGION: EMULATOR_REGION,
      },
    },
  );
  if (r.code === 0) return;
  const j = r.json() as { error: { code: string; message: string } };
  expect(r.code, r.stderr).toBe(1);
  throw Object.assign(new Error(j.error.message), { code: j.error.code });
}

async function storedUnder(prefix: string): Promise<{ objects: number; uploads: number }> {
  const objects = await aws.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: prefix }));
  const uploads = await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.bucket, Prefix: prefix }));
  return { objects: objects.KeyCount ?? 0, uploads: uploads.Uploads?.length ?? 0 };
}

const GENERATION: Record<WriteFormat, "v1" | "v2" | "v3"> = { rds: "v1", v2: "v2", v3: "v3" };

describe.each(Object.entries(PATHS))("write commitment policy through %s", (pathName, write) => {
  it.each(PAIRS)(
    "Precondition: the write format agrees with the commitment policy (%s × %s → allowed %s)",
    async (policy, format, ok) => {
      const prefix = `${pathName.replaceAll(" ", "-")}/${policy}/${format}`;
      const key = `${prefix}/obj.bin`;
      if (ok) {
        await write(key, policy, format);
        const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
        expect(decodeContentMetadata(head.Metadata ?? {}).format).toBe(GENERATION[format]);
        expect(await storedUnder(prefix)).toEqual({ objects: 1, uploads: 0 });
        return;
      }
      const err = (await write(key, policy, format).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: string; message: string } | undefined;
      expect(err?.code).toBe("COMMITMENT_POLICY");
      const hint = HINT[format as "v2" | "v3"];
      expect(err?.message).toMatch(hint.cli);
      expect(err?.message).toMatch(hint.lib);
      expect(await storedUnder(prefix)).toEqual({ objects: 0, uploads: 0 });
    },
  );
});

/** The library paths with no `commitmentPolicy`: the default, REQUIRE_ENCRYPT_REQUIRE_DECRYPT, applies. */
const DEFAULT_PATHS: Record<string, (key: string, format: WriteFormat) => Promise<void>> = {
  encryptAndUpload: async (key, format) => {
    await encryptAndUpload({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      source: Readable.from([DATA]),
      keyring: keyring(),
      format,
      partSize: PART,
    });
  },
  encryptAndUploadFile: async (key, format) => {
    await encryptAndUploadFile({
      s3: aws.s3,
      bucket: aws.bucket,
      key,
      file,
      keyring: keyring(),
      format,
      partSize: PART,
    });
  },
};

describe.each(Object.entries(DEFAULT_PATHS))(
  "default write commitment policy through %s",
  (pathName, write) => {
    it.each(FORMATS)(
      "Precondition: the write format agrees with the commitment policy (no policy given × %s)",
      async (format) => {
        const prefix = `default/${pathName}/${format}`;
        const key = `${prefix}/obj.bin`;
        if (format !== "v2") {
          await write(key, format);
          const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
          expect(decodeContentMetadata(head.Metadata ?? {}).format).toBe(GENERATION[format]);
          expect(await storedUnder(prefix)).toEqual({ objects: 1, uploads: 0 });
          return;
        }
        const err = (await write(key, format).then(
          () => undefined,
          (e: unknown) => e,
        )) as { code?: string; message: string } | undefined;
        expect(err?.code).toBe("COMMITMENT_POLICY");
        expect(err?.message).toMatch(/REQUIRE_ENCRYPT_REQUIRE_DECRYPT cannot write non-committing V2/);
        expect(err?.message).toMatch(HINT.v2.cli);
        expect(err?.message).toMatch(HINT.v2.lib);
        expect(await storedUnder(prefix)).toEqual({ objects: 0, uploads: 0 });
      },
    );
  },
);

describe("default write commitment policy of offline encryptFile", () => {
  it.each(FORMATS)(
    "Precondition: the write format agrees with the commitment policy (encryptFile, no policy given × %s)",
    async (format) => {
      const output = join(dir, `offline-default-${format}.enc`);
      const write = encryptFile({ input: file, output, keyring: keyring(), format });
      if (format !== "v2") {
        const r = await write;
        expect(r.manifest.format).toBe(format);
        expect(existsSync(output)).toBe(true);
        return;
      }
      await expect(write).rejects.toMatchObject({
        code: "COMMITMENT_POLICY",
        message: expect.stringMatching(HINT.v2.lib),
      });
      expect(existsSync(output)).toBe(false);
      expect(existsSync(`${output}.s3cse.json`)).toBe(false);
    },
  );

  it("Precondition: the write format agrees with the commitment policy (encryptFile v2 under FORBID_ENCRYPT_ALLOW_DECRYPT)", async () => {
    const output = join(dir, "offline-forbid-v2.enc");
    const r = await encryptFile({
      input: file,
      output,
      keyring: keyring(),
      format: "v2",
      commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT",
    });
    expect(r.manifest.format).toBe("v2");
  });
});

describe("built CLI encrypt --commitment-policy", () => {
  const encrypt = (out: string, extra: string[]) =>
    runBuiltCli(
      [
        "encrypt",
        file,
        out,
        "--kms-key-id",
        aws.keyArn,
        "--format",
        "v2",
        "--json",
        "--endpoint-url",
        aws.moto.endpoint,
        ...extra,
      ],
      {
        env: {
          AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
          AWS_REGION: EMULATOR_REGION,
        },
      },
    );

  it("Precondition: the write format agrees with the commitment policy (built CLI encrypt --format v2)", async () => {
    const refused = join(dir, "cli-encrypt-default-v2.enc");
    const r = await encrypt(refused, []);
    expect(r.code, r.stderr).toBe(1);
    const j = r.json() as { error: { code: string; message: string } };
    expect(j.error.code).toBe("COMMITMENT_POLICY");
    expect(j.error.message).toMatch(HINT.v2.cli);
    expect(existsSync(refused)).toBe(false);
    const written = join(dir, "cli-encrypt-forbid-v2.enc");
    const ok = await encrypt(written, ["--commitment-policy", "forbid-encrypt-allow-decrypt"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(written)).toBe(true);
  });
});
