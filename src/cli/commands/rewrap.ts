import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { type RewrapResult, rewrapObject, rewrapPrefix } from "../../transfer/rewrap.js";
import { addCommonOptions, type CommonOptions, clientsFor } from "../common-options.js";
import { ExitCode } from "../exit-codes.js";
import { examplesHelp } from "../help.js";
import { type CliIo, writeJson, writeLine } from "../io.js";
import { parsePairs, parseS3Url } from "../s3-url.js";

interface RewrapOptions extends CommonOptions {
  kmsKeyId: string;
  newKmsKeyId: string;
  context?: string[];
  dryRun?: boolean;
  decryptEncrypt?: boolean;
  copyThreshold?: string;
  copyPartSize?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function sizeOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  /* Precondition: size flags are positive whole numbers of bytes. */
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of bytes`);
  return n;
}

const line = (r: RewrapResult) =>
  `${r.status.padEnd(12)} s3://…/${r.key} (${r.format}, ${r.placement}${r.write === "none" ? "" : `, ${r.write}`})`;

export function registerRewrap(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    program
      .command("rewrap")
      .description(
        "move objects' data keys to another KMS key without downloading them (KMS ReEncrypt + server-side copy of the metadata)",
      )
      .argument("<s3url>", "s3://bucket/key, or s3://bucket/prefix/ for every object under the prefix")
      .requiredOption("--kms-key-id <id>", "KMS key the data keys are wrapped under now")
      .requiredOption("--new-kms-key-id <id>", "KMS key to wrap them under")
      .option(
        "--context <key=value>",
        "the objects' KMS encryption context entry (repeatable; unchanged)",
        collect,
      )
      .option("--dry-run", "show what would change, change nothing")
      .option(
        "--decrypt-encrypt",
        "use KMS Decrypt + Encrypt instead of ReEncrypt (the data key passes through this host)",
      )
      .option(
        "--copy-threshold <bytes>",
        "objects above this size are copied with UploadPartCopy (default 5 GiB)",
      )
      .option("--copy-part-size <bytes>", "UploadPartCopy part size (default 512 MiB)"),
  )
    .addHelpText(
      "after",
      examplesHelp([
        "s3-cse rewrap s3://my-backups/sales/SalesDb.bak --kms-key-id alias/old-key --new-kms-key-id alias/new-key",
        "s3-cse rewrap s3://my-backups/sales/ --kms-key-id alias/old-key --new-kms-key-id alias/new-key --dry-run",
        "s3-cse rewrap s3://lake/raw/ --kms-key-id alias/a --new-kms-key-id alias/b --context project=atlas --json",
      ]),
    )
    .action(async (s3url: string, opts: RewrapOptions) => {
      const { bucket, key } = parseS3Url(s3url, { allowPrefix: true });
      const clients = clientsFor(opts, io.env);
      const common = {
        s3: clients.s3,
        kms: clients.kms,
        bucket,
        kmsKeyId: opts.kmsKeyId,
        newKmsKeyId: opts.newKmsKeyId,
        encryptionContext: parsePairs(opts.context, "--context"),
        dryRun: opts.dryRun === true,
        method: opts.decryptEncrypt ? ("decrypt-encrypt" as const) : ("re-encrypt" as const),
        copyThreshold: sizeOption(opts.copyThreshold, "--copy-threshold"),
        copyPartSize: sizeOption(opts.copyPartSize, "--copy-part-size"),
        signal: io.signal,
      };
      try {
        if (key === "" || key.endsWith("/")) {
          const summary = await rewrapPrefix({ ...common, prefix: key });
          if (opts.json)
            writeJson(io, { ok: summary.failures.length === 0, dryRun: common.dryRun, ...summary });
          else {
            for (const r of summary.results) writeLine(io.stdout, line(r));
            for (const f of summary.failures)
              writeLine(io.stdout, `${"failed".padEnd(12)} s3://…/${f.key}: ${f.message}`);
            const c = summary.counts;
            writeLine(
              io.stdout,
              `${common.dryRun ? "dry run: " : ""}${c.rewrapped} rewrapped, ${c["would-rewrap"]} would be rewrapped, ${c.already} already under the new key, ${c.failed} failed`,
            );
          }
          setExit(summary.failures.length === 0 ? ExitCode.OK : ExitCode.FAILURE);
          return;
        }
        const result = await rewrapObject({ ...common, key });
        if (opts.json) writeJson(io, { ok: true, dryRun: common.dryRun, ...result });
        else writeLine(io.stdout, line(result));
        setExit(ExitCode.OK);
      } finally {
        clients.destroy();
      }
    });
}
