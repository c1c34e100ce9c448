/**
 * SIGINT / SIGTERM handling for the binary. The first signal cancels the command (an upload then
 * aborts its multipart upload). A second signal does not skip that abort: it waits for it. Only a
 * third signal exits at once, and then prints, for each multipart upload still open, its id and
 * the exact command that removes it. Exit codes follow the shell convention: 128 + signal number
 * (SIGINT 130, SIGTERM 143).
 */
import { constants } from "node:os";
import { AbortError } from "../errors.js";
import type { MultipartUploadEvent } from "../transfer/upload-options.js";

type Upload = Pick<MultipartUploadEvent, "bucket" | "key" | "uploadId" | "checkpointPath">;

/** What the CLI commands report to the signal handler. */
export interface UploadTracker {
  onMultipartUpload(event: MultipartUploadEvent): void;
}

export function abortCommand(u: Upload): string {
  return `aws s3api abort-multipart-upload --bucket ${u.bucket} --key ${u.key} --upload-id ${u.uploadId}`;
}

export class Interrupts implements UploadTracker {
  readonly controller = new AbortController();
  private readonly open = new Map<string, Upload>();
  private count = 0;
  private first: NodeJS.Signals | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly exit: (code: number) => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  onMultipartUpload(event: MultipartUploadEvent): void {
    if (event.state === "created") this.open.set(event.uploadId, event);
    else this.open.delete(event.uploadId);
  }

  handle(name: NodeJS.Signals): void {
    this.count += 1;
    this.first ??= name;
    const uploads = [...this.open.values()];
    if (this.count === 1) {
      this.write(`\ns3-cse: ${name} received, cancelling (aborting any multipart upload)…\n`);
      for (const u of uploads) {
        this.write(
          u.checkpointPath === undefined
            ? `s3-cse: aborting multipart upload ${u.uploadId} of s3://${u.bucket}/${u.key}; if this process is killed before that finishes, remove it with: ${abortCommand(u)}\n`
            : `s3-cse: keeping multipart upload ${u.uploadId} of s3://${u.bucket}/${u.key} for --resume (checkpoint ${u.checkpointPath}); remove it instead with: s3-cse abort-upload --checkpoint ${u.checkpointPath}\n`,
        );
      }
      this.controller.abort(new AbortError(`interrupted by ${name}`));
      return;
    }
    if (this.count === 2 && uploads.length > 0) {
      this.write(
        `s3-cse: ${name} again: still aborting ${uploads.length} multipart upload${uploads.length === 1 ? "" : "s"}, waiting for it (a third signal exits at once and leaves it behind)\n`,
      );
      return;
    }
    for (const u of uploads) {
      this.write(
        `s3-cse: exiting before the multipart upload ${u.uploadId} of s3://${u.bucket}/${u.key} was aborted; remove it with: ${abortCommand(u)}\n`,
      );
    }
    this.exit(signalExitCode(name));
  }

  /** The process's exit code: 128 + the first signal's number once a signal arrived. */
  exitCode(code: number): number {
    return this.first === undefined ? code : signalExitCode(this.first);
  }
}

export function signalExitCode(name: NodeJS.Signals): number {
  return 128 + (constants.signals[name] ?? 0);
}
