import { realpathSync } from "node:fs";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { isS3CseError } from "../errors.js";
import { registerAbortUpload } from "./commands/abort-upload.js";
import { registerCp } from "./commands/cp.js";
import { registerDownload } from "./commands/download.js";
import { registerOffline } from "./commands/offline.js";
import { registerRewrap } from "./commands/rewrap.js";
import { registerUpload } from "./commands/upload-command.js";
import { registerVerify } from "./commands/verify.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import { hintFor, profileArg } from "./hints.js";
import { Interrupts } from "./interrupt.js";
import { type CliIo, writeJson, writeLine } from "./io.js";
import { silenceSdkNodeVersionWarning } from "./node-warnings.js";
import { requireArgumentsFirst } from "./usage.js";

export const VERSION = "0.1.0";

/** Builds the `s3-cse` program. Commands register themselves here, one file each. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("s3-cse")
    .description(
      "Amazon S3 client-side encryption: RDS-restorable backups, S3 Encryption Client V2/V3 formats",
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError("(run with --help for usage)");
  registerUpload(program, io, setExit);
  registerDownload(program, io, setExit);
  registerVerify(program, io, setExit);
  registerCp(program, io, setExit);
  registerRewrap(program, io, setExit);
  registerOffline(program, io, setExit);
  registerAbortUpload(program, io, setExit);
  return program;
}

/** Runs the CLI in-process and resolves to its exit code (never calls process.exit). */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = ExitCode.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  const json = argv.includes("--json");
  try {
    const quiet: CliIo = { ...io, stdout: new PassThrough(), stderr: new PassThrough() };
    requireArgumentsFirst(program, argv, () => buildProgram(quiet, () => {}));
    await program.parseAsync(argv as string[], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else commander rejects is usage.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    const exit = exitCodeFor(err);
    const hint = hintFor(err, { profile: profileArg(argv), env: io.env });
    const message = `${err instanceof Error ? err.message : String(err)}${hint ? `\n  hint: ${hint}` : ""}`;
    if (json) {
      writeJson(io, {
        ok: false,
        error: { code: isS3CseError(err) ? err.code : "INTERNAL", name: (err as Error)?.name, message },
      });
    }
    writeLine(io.stderr, `s3-cse: ${message}`);
    if (!isS3CseError(err) && err instanceof Error && err.stack) writeLine(io.stderr, err.stack);
    return exit;
  }
}

/** Entry point of the binary: wires SIGINT/SIGTERM to cancellation (which aborts uploads); see interrupt.ts. */
async function main(): Promise<void> {
  silenceSdkNodeVersionWarning();
  const interrupts = new Interrupts(
    (text) => process.stderr.write(text),
    (code) => process.exit(code),
  );
  process.on("SIGINT", (name) => interrupts.handle(name));
  process.on("SIGTERM", (name) => interrupts.handle(name));
  const code = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: interrupts.signal,
    uploads: interrupts,
  });
  process.exitCode = interrupts.exitCode(code);
}

const invokedDirectly = (() => {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
})();
if (invokedDirectly) void main();
