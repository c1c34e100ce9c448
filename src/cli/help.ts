/** `--help` text after the options: examples and the exit codes, the same for every command. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  failure (S3, KMS, network, a failed check, a refused object)
  2  usage error (bad or missing argument)
  130  interrupted (SIGINT, Ctrl-C); 143  terminated (SIGTERM) — a multipart upload is aborted first`;

export function examplesHelp(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n${EXIT_CODES_HELP}`;
}
