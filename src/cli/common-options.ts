import { type Command, Option } from "commander";
import { type AwsClients, type AwsSettings, createAwsClients } from "../aws/clients.js";
import { UsageError } from "../errors.js";
import { createDebugLogger } from "./debug-log.js";

export interface CommonOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  quiet?: boolean;
  onlyShowErrors?: boolean;
  /** false with --no-progress. */
  progress?: boolean;
  debug?: boolean;
  caBundle?: string;
  /** false with --no-verify-ssl. */
  verifySsl?: boolean;
  cliConnectTimeout?: string;
  cliReadTimeout?: string;
}

/** The flags every command takes, spelled as the AWS CLI spells them. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--region <region>", "AWS region (default: the SDK default chain)"))
    .addOption(new Option("--profile <name>", "named profile from the AWS config/credentials files"))
    .addOption(
      new Option(
        "--endpoint-url <url>",
        "custom endpoint for both S3 and KMS (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL apply)",
      ),
    )
    .addOption(new Option("--json", "print one JSON object on stdout, no progress bar"))
    .addOption(new Option("--quiet", "print nothing but errors (no result line, no progress bar)"))
    .addOption(
      new Option("--only-show-errors", "as the AWS CLI: only errors (no result line, no progress bar)"),
    )
    .addOption(
      new Option("--debug", "log every AWS request on stderr (credentials, keys and bodies redacted)"),
    )
    .addOption(new Option("--no-progress", "no progress bar (the result line is still printed)"))
    .addOption(
      new Option(
        "--ca-bundle <file>",
        "PEM CA bundle to trust for TLS (else AWS_CA_BUNDLE; corporate TLS proxies)",
      ),
    )
    .addOption(new Option("--no-verify-ssl", "do not verify TLS certificates (insecure; prints a warning)"))
    .addOption(
      new Option(
        "--cli-connect-timeout <seconds>",
        "seconds to wait for a connection before retrying (default 60; 0 = wait forever)",
      ),
    )
    .addOption(
      new Option(
        "--cli-read-timeout <seconds>",
        "seconds a connection may stay silent before the request is retried (default 60; 0 = wait forever)",
      ),
    );
}

export function clientsFor(
  opts: CommonOptions,
  env: NodeJS.ProcessEnv,
  stderr?: NodeJS.WritableStream,
): AwsClients {
  if (opts.verifySsl === false)
    stderr?.write(
      "s3-cse: warning: --no-verify-ssl: TLS certificates are not verified; anyone on the network path can read and change this traffic\n",
    );
  return createAwsClients(awsSettingsFor(opts, stderr), env);
}

/** The SDK client settings the common flags describe (also for the RDS and IAM clients of verify --db-instance). */
export function awsSettingsFor(opts: CommonOptions, stderr?: NodeJS.WritableStream): AwsSettings {
  return {
    ...(opts.debug && stderr ? { logger: createDebugLogger(stderr) } : {}),
    ...(opts.caBundle ? { caBundle: opts.caBundle } : {}),
    ...(opts.verifySsl === false ? { verifySsl: false } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
    ...(opts.cliConnectTimeout !== undefined
      ? { connectTimeoutMs: secondsOption(opts.cliConnectTimeout, "--cli-connect-timeout") }
      : {}),
    ...(opts.cliReadTimeout !== undefined
      ? { readTimeoutMs: secondsOption(opts.cliReadTimeout, "--cli-read-timeout") }
      : {}),
  };
}

/** Seconds (as the AWS CLI spells timeouts) to milliseconds. */
export function secondsOption(value: string, flag: string): number {
  const seconds = Number(value);
  /* Precondition: a timeout flag is a number of seconds >= 0. */
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds < 0)
    throw new UsageError(`${flag} must be a number of seconds >= 0 (0 = no timeout), got "${value}"`);
  return Math.round(seconds * 1000);
}

/** True if the result line (and any non-error output) is to be printed. */
export function showsResult(opts: CommonOptions): boolean {
  return !opts.quiet && !opts.onlyShowErrors;
}

/** True if no progress bar is to be drawn. */
export function hidesProgress(opts: CommonOptions): boolean {
  return opts.json === true || opts.progress === false || !showsResult(opts);
}
