import { ErrorCodes, isS3CseError } from "../errors.js";

/** CLI exit codes: 0 success, 1 operational failure (or a failed check), 2 usage error. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeFor(err: unknown): ExitCode {
  return isS3CseError(err) && err.code === ErrorCodes.INVALID_ARGUMENT ? ExitCode.USAGE : ExitCode.FAILURE;
}
