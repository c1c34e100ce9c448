/**
 * Usage errors name the first missing argument before anything else: commander checks required
 * options first, so `s3-cse upload` alone would complain about --kms-key-id while the FILE and
 * S3 URL are missing too.
 */
import type { Command } from "commander";

/**
 * Throws commander's usage error (exit 2) for the first required positional argument `argv` leaves
 * out. `scratch` builds a second program to parse the options on, so the real one's option values
 * (repeatable `--context` collects) are not parsed twice.
 */
export function requireArgumentsFirst(
  program: Command,
  argv: readonly string[],
  scratch: () => Command,
): void {
  const name = argv[0];
  const command = program.commands.find((c) => c.name() === name || c.aliases().includes(name ?? ""));
  if (command === undefined || argv.includes("--help") || argv.includes("-h")) return;
  const twin = scratch().commands.find((c) => c.name() === command.name());
  if (twin === undefined) return;
  let operands: string[];
  try {
    operands = twin.parseOptions(argv.slice(1)).operands;
  } catch {
    return; // a bad option value (e.g. --format v9): the real parse reports it
  }
  const missing = requiredNames(command)[operands.length];
  /* Precondition: every required argument of the command is given. */
  if (missing !== undefined)
    command.error(
      `error: missing required argument '${missing}' (usage: s3-cse ${command.name()} ${command.usage()})`,
      { code: "commander.missingArgument", exitCode: 2 },
    );
}

/**
 * The required arguments as the usage line names them (`<file>... <s3url>` is "file", "s3url"),
 * so a command whose one variadic argument also holds its destination (upload) names the part
 * that is missing.
 */
function requiredNames(command: Command): string[] {
  return [...command.usage().matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? "");
}
