import type { Command } from "commander";
import { abortCheckpointedUpload } from "../../transfer/upload-resumable.js";
import { addCommonOptions, type CommonOptions, clientsFor, showsResult } from "../common-options.js";
import { examplesHelp } from "../help.js";
import { type CliIo, writeJson, writeLine } from "../io.js";

interface AbortUploadOptions extends CommonOptions {
  checkpoint: string;
}

/** `s3-cse abort-upload --checkpoint PATH`: removes an abandoned resumable upload and its checkpoint. */
export function registerAbortUpload(program: Command, io: CliIo, setExit: (code: number) => void): void {
  addCommonOptions(
    program
      .command("abort-upload")
      .description(
        "remove an interrupted resumable upload (upload --resume): abort its multipart upload and delete its checkpoint",
      )
      .requiredOption(
        "--checkpoint <path>",
        "the upload's checkpoint (default name: FILE.s3cse-upload.json)",
      ),
  )
    .addHelpText(
      "after",
      examplesHelp(["s3-cse abort-upload --checkpoint /backups/SalesDb.bak.s3cse-upload.json"]),
    )
    .action(async (opts: AbortUploadOptions) => {
      const clients = clientsFor(opts, io.env, io.stderr);
      try {
        const removed = await abortCheckpointedUpload({ s3: clients.s3, checkpointPath: opts.checkpoint });
        if (opts.json) writeJson(io, { ok: true, ...removed, checkpoint: opts.checkpoint });
        else if (showsResult(opts))
          writeLine(
            io.stdout,
            `aborted multipart upload ${removed.uploadId} of s3://${removed.bucket}/${removed.key} and removed ${opts.checkpoint}`,
          );
      } finally {
        clients.destroy();
      }
      setExit(0);
    });
}
