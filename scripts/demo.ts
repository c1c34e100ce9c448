/**
 * The main job, end to end, against a local emulator this script starts itself:
 * start moto_server → create a KMS key + bucket → encrypt and upload a real SQL Server backup
 * (and a larger sample, to show a multipart upload) in the RDS format with the s3-cse CLI →
 * print the object metadata → `s3-cse verify --rds --deep` → download and decrypt → compare SHA-256 → stop.
 *
 * Run: npm run demo
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, startMoto } from "./support/moto-server.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold(`▶ ${s}`)}`);
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  console.log(`  $ s3-cse ${args.join(" ")}`);
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], {
      stdio: "inherit",
      env,
      cwd: root,
    });
    child.on("error", rej);
    child.on("exit", (code) => res(code ?? 1));
  });
}

async function main(): Promise<void> {
  step("Starting moto_server (S3 + KMS emulator) on a free loopback port");
  const moto = await startMoto();
  console.log(`  endpoint ${moto.endpoint}`);
  const dir = await mkdtemp(join(tmpdir(), "s3cse-demo-"));
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: EMULATOR_REGION,
    NODE_NO_WARNINGS: "1",
  };
  const clientConfig = {
    endpoint: moto.endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
  };
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  const kms = new KMSClient(clientConfig);
  try {
    step("Creating a symmetric KMS key (alias/rds-backups) and a bucket");
    const key = await kms.send(new CreateKeyCommand({ Description: "RDS native backup key (demo)" }));
    const keyArn = key.KeyMetadata!.Arn!;
    await kms.send(new CreateAliasCommand({ AliasName: "alias/rds-backups", TargetKeyId: keyArn }));
    await s3.send(new CreateBucketCommand({ Bucket: "sqlserver-backups" }));
    console.log(`  key ${keyArn}\n  bucket sqlserver-backups`);

    const real = join(root, "fixtures/bak/FullBackup.bak");
    const sample = join(dir, "SalesDb_FULL.bak");
    step("Making a sample backup: the real FullBackup.bak header and pages, padded to 40 MiB (multipart)");
    const realBytes = await readFile(real);
    await writeFile(sample, Buffer.concat([realBytes, randomBytes(40 * 1024 * 1024 - realBytes.length)]));

    const common = ["--endpoint-url", moto.endpoint];
    for (const [file, objectKey, extra] of [
      [real, "backups/FullBackup.bak", []],
      [sample, "backups/SalesDb_FULL.bak", ["--part-size", "8MiB"]],
    ] as const) {
      step(`Encrypting and uploading ${file.split("/").pop()} in the RDS format`);
      const url = `s3://sqlserver-backups/${objectKey}`;
      if (
        (await cli(
          ["upload", file, url, "--kms-key-id", "alias/rds-backups", "--format", "rds", ...extra, ...common],
          env,
        )) !== 0
      ) {
        throw new Error("upload failed");
      }

      step("Object metadata as S3 stores it (HeadObject)");
      const head = await s3.send(new HeadObjectCommand({ Bucket: "sqlserver-backups", Key: objectKey }));
      for (const [k, v] of Object.entries(head.Metadata ?? {})) console.log(`  x-amz-meta-${k}: ${v}`);
      console.log(`  Content-Length: ${head.ContentLength} (ciphertext)`);

      step("Verifying it the way RDS will use it: format, key, KMS unwrap with no context, full decrypt");
      const verifyArgs = [
        "verify",
        url,
        "--rds",
        "--kms-key-id",
        keyArn,
        "--deep",
        "--compare",
        file,
        ...common,
      ];
      if ((await cli(verifyArgs, env)) !== 0) throw new Error("verify failed");

      step("Downloading and decrypting (legacy CBC must be allowed explicitly: --allow-legacy)");
      const out = join(dir, `restored-${objectKey.split("/").pop()}`);
      if (
        (await cli(["download", url, out, "--allow-legacy", "--kms-key-id", keyArn, ...common], env)) !== 0
      ) {
        throw new Error("download failed");
      }
      const [a, b] = [sha256(await readFile(file)), sha256(await readFile(out))];
      console.log(`  original  sha256 ${a}\n  restored  sha256 ${b}`);
      if (a !== b) throw new Error("SHA-256 mismatch");
      console.log(`  ${bold("identical")}`);
    }
    step("Done: both backups round-tripped byte-exact through S3 client-side encryption");
  } finally {
    s3.destroy();
    kms.destroy();
    await rm(dir, { recursive: true, force: true });
    await moto.stop();
    console.log("  moto_server stopped");
  }
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
