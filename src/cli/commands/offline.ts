/** `s3-cse encrypt`, `s3-cse decrypt` (local, no S3) and `s3-cse upload-encrypted` (issue 15). */
import { type Command, Option } from "commander";
import { KmsKeyring } from "../../materials/kms-keyring.js";
import { WRITE_FORMATS, type WriteFormat } from "../../materials/materials.js";
import type { CommitmentPolicy } from "../../materials/policy.js";
import { decryptFile, encryptFile } from "../../transfer/offline.js";
import { uploadEncryptedFile } from "../../transfer/upload-encrypted.js";
import { parseByteSize, parseConcurrency } from "../byte-size.js";
import { addCommonOptions, type CommonOptions, clientsFor } from "../common-options.js";
import { examplesHelp } from "../help.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { parsePairs, parseS3Url } from "../s3-url.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

const POLICIES: Record<string, CommitmentPolicy> = {
  "forbid-encrypt-allow-decrypt": "FORBID_ENCRYPT_ALLOW_DECRYPT",
  "require-encrypt-allow-decrypt": "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
  "require-encrypt-require-decrypt": "REQUIRE_ENCRYPT_REQUIRE_DECRYPT",
};

interface EncryptOptions extends CommonOptions {
  kmsKeyId: string;
  format: WriteFormat;
  commitmentPolicy?: string;
  context?: string[];
}

interface DecryptOptions extends CommonOptions {
  kmsKeyId?: string;
  allowLegacy?: boolean;
  commitmentPolicy?: string;
  context?: string[];
}

interface UploadEncryptedOptions extends CommonOptions {
  partSize?: string;
  concurrency?: string;
  instructionFile?: boolean;
}

export function registerOffline(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    program
      .command("encrypt")
      .description(
        "encrypt a file locally into FILE.enc and FILE.enc.s3cse.json (the S3 metadata), without S3",
      )
      .argument("<file>", "plaintext file")
      .argument("<out>", "ciphertext file to write (the sidecar is <out>.s3cse.json)")
      .requiredOption("--kms-key-id <id>", "KMS key id, key ARN, alias name or alias ARN")
      .addOption(
        new Option("--format <format>", "rds (V1, what RDS restores), v2 or v3")
          .choices(WRITE_FORMATS as string[])
          .default("v3"),
      )
      .addOption(
        new Option(
          "--commitment-policy <policy>",
          "key-commitment policy for the write (default require-encrypt-require-decrypt; v2 needs forbid-encrypt-allow-decrypt)",
        ).choices(Object.keys(POLICIES)),
      )
      .option("--context <key=value>", "KMS encryption context entry (v2/v3; repeatable)", collect),
  )
    .addHelpText(
      "after",
      examplesHelp([
        "s3-cse encrypt SalesDb.bak SalesDb.bak.enc --kms-key-id alias/rds-backups --format rds",
        "s3-cse encrypt data.parquet data.parquet.enc --kms-key-id alias/lake --context project=atlas",
      ]),
    )
    .action(async (file: string, out: string, opts: EncryptOptions) => {
      const clients = clientsFor(opts, io.env);
      try {
        const r = await encryptFile({
          input: file,
          output: out,
          keyring: new KmsKeyring({ client: clients.kms, keyId: opts.kmsKeyId }),
          format: opts.format,
          ...(opts.commitmentPolicy ? { commitmentPolicy: POLICIES[opts.commitmentPolicy] } : {}),
          encryptionContext: parsePairs(opts.context, "--context"),
          signal: io.signal,
        });
        if (opts.json) writeJson(io, { ok: true, output: r.output, sidecar: r.sidecar, ...r.manifest });
        else
          writeLine(
            io.stdout,
            `encrypted ${file} (${r.manifest.plaintext.length} bytes) to ${r.output} (${opts.format}, ${r.manifest.ciphertext.length} bytes) and ${r.sidecar}`,
          );
        setExit(0);
      } finally {
        clients.destroy();
      }
    });

  addCommonOptions(
    program
      .command("decrypt")
      .description("decrypt an offline-encrypted FILE.enc (with its sidecar) locally, without S3")
      .argument("<file>", "ciphertext file (its sidecar is <file>.s3cse.json)")
      .argument("<out>", "plaintext file to write (only once it decrypted and matched the sidecar)")
      .option("--kms-key-id <id>", "KMS key the data key must be wrapped under")
      .option(
        "--allow-legacy",
        "allow legacy modes: AES-CBC content (rds, V1), KMS without encryption context",
      )
      .addOption(
        new Option("--commitment-policy <policy>", "key-commitment policy for reads").choices(
          Object.keys(POLICIES),
        ),
      )
      .option("--context <key=value>", "expected KMS encryption context entry (repeatable)", collect),
  )
    .addHelpText(
      "after",
      examplesHelp([
        "s3-cse decrypt SalesDb.bak.enc SalesDb.bak --allow-legacy --kms-key-id alias/rds-backups",
        "s3-cse decrypt data.parquet.enc data.parquet --context project=atlas",
      ]),
    )
    .action(async (file: string, out: string, opts: DecryptOptions) => {
      const clients = clientsFor(opts, io.env);
      try {
        const r = await decryptFile({
          input: file,
          output: out,
          keyring: new KmsKeyring({
            client: clients.kms,
            ...(opts.kmsKeyId ? { keyId: opts.kmsKeyId } : {}),
          }),
          allowLegacy: opts.allowLegacy === true,
          ...(opts.commitmentPolicy ? { commitmentPolicy: POLICIES[opts.commitmentPolicy] } : {}),
          encryptionContext: parsePairs(opts.context, "--context"),
          signal: io.signal,
        });
        if (opts.json) writeJson(io, { ok: true, ...r });
        else
          writeLine(
            io.stdout,
            `decrypted ${file} (${r.format}, ${r.contentAlgorithm}) to ${out}: ${r.bytes} bytes`,
          );
        setExit(0);
      } finally {
        clients.destroy();
      }
    });

  addCommonOptions(
    program
      .command("upload-encrypted")
      .description("upload an offline-encrypted FILE.enc as an S3 object with the metadata of its sidecar")
      .argument("<file>", "ciphertext file (its sidecar is <file>.s3cse.json)")
      .argument("<s3url>", "destination, s3://bucket/key")
      .option("--part-size <size>", "bytes per part, e.g. 16MiB (default: 16 MiB, grown to fit 10,000 parts)")
      .option("--concurrency <n>", "parts in flight at once (1-64)", "4")
      .option("--instruction-file", "store the encryption metadata in <key>.instruction (v2/v3 only)"),
  )
    .addHelpText(
      "after",
      examplesHelp([
        "s3-cse upload-encrypted SalesDb.bak.enc s3://my-backups/sales/SalesDb.bak",
        "s3-cse upload-encrypted big.enc s3://b/big.bak --part-size 64MiB --concurrency 8",
      ]),
    )
    .action(async (file: string, s3url: string, opts: UploadEncryptedOptions) => {
      const { bucket, key } = parseS3Url(s3url);
      const clients = clientsFor(opts, io.env);
      try {
        const r = await uploadEncryptedFile({
          s3: clients.s3,
          bucket,
          key,
          file,
          ...(opts.partSize ? { partSize: parseByteSize(opts.partSize) } : {}),
          concurrency: parseConcurrency(opts.concurrency),
          metadataPlacement: opts.instructionFile ? "instruction-file" : "object",
          signal: io.signal,
        });
        if (opts.json) writeJson(io, { ok: true, ...r });
        else
          writeLine(
            io.stdout,
            `uploaded ${file} to s3://${bucket}/${key} (${r.format}, ${r.ciphertextBytes} bytes)`,
          );
        setExit(0);
      } finally {
        clients.destroy();
      }
    });
}
