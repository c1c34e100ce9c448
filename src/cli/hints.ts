import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * One line saying how to fix a failure, for the errors whose raw SDK message does not. Looks
 * through the `cause` chain (S3 failures are wrapped in TransferError).
 */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 10) {
    chain.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

const nameOf = (e: unknown) => (e instanceof Error ? e.name : undefined);

export interface HintContext {
  /** The --profile given, if any. */
  profile?: string;
  env?: NodeJS.ProcessEnv;
}

/** True if the shared config or credentials file defines `profile` (as `[profile p]` or `[p]`). */
export function profileDefined(profile: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const home = env.HOME ?? homedir();
  const files = [
    env.AWS_CONFIG_FILE ?? join(home, ".aws", "config"),
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, ".aws", "credentials"),
  ];
  const escaped = profile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const header = new RegExp(`^\\s*\\[\\s*(profile\\s+)?${escaped}\\s*\\]`, "m");
  return files.some((f) => {
    try {
      return header.test(readFileSync(f, "utf8"));
    } catch {
      return false;
    }
  });
}

export function hintFor(err: unknown, context: HintContext = {}): string | undefined {
  const chain = causes(err);
  const messages = chain.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))).join("\n");
  if (/CredentialsProviderError|Could not load credentials/.test(messages)) {
    if (context.profile !== undefined && !profileDefined(context.profile, context.env))
      return `profile "${context.profile}" is not found in ~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE); list them with \`aws configure list-profiles\` or create it with \`aws configure --profile ${context.profile}\``;
    if (context.profile !== undefined)
      return `profile "${context.profile}" gave no credentials: check its keys, role or SSO session (\`aws sso login --profile ${context.profile}\`)`;
    return "no AWS credentials found: run `aws configure` (or `aws sso login`), pass --profile NAME or set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
  }
  if (/KMS Decrypt for key .* failed with (AccessDeniedException|IncorrectKeyException)/.test(messages))
    return "first check the key: the object may be encrypted under another KMS key than the one given (V1/RDS objects do not record their key, so --kms-key-id is what KMS is asked to use) — try the key it was uploaded with; if it is the right key, grant kms:Decrypt on it to this principal";
  if (
    /self[- ]signed certificate|unable to (get|verify) (local )?issuer certificate|certificate has expired|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match certificate/i.test(
      messages,
    )
  )
    return "this is a TLS failure, not a bucket, key or permission problem: the endpoint's certificate is not trusted. If a corporate proxy or private CA signs it, pass --ca-bundle FILE.pem (or set AWS_CA_BUNDLE); --no-verify-ssl turns verification off (insecure)";
  if (/Region is missing/.test(messages))
    return "no AWS region: pass --region (e.g. --region us-east-1), set AWS_REGION, or set region in your profile (`aws configure set region us-east-1`)";
  const timeout = chain.find((e) => nameOf(e) === "TimeoutError");
  if (timeout) {
    const connect = /establish a connection/.test((timeout as Error).message);
    return connect
      ? "the request timed out connecting to the endpoint (retried); check the network, proxy and --endpoint-url, or raise --cli-connect-timeout (seconds, 0 = no timeout)"
      : "the request timed out waiting for a response (retried); check the network and proxy, or raise --cli-read-timeout (seconds, 0 = no timeout)";
  }
  return undefined;
}

/** The value of --profile in argv (`--profile p` or `--profile=p`), else AWS_PROFILE is the SDK's business. */
export function profileArg(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (a === "--profile") return argv[i + 1];
    if (a.startsWith("--profile=")) return a.slice("--profile=".length);
  }
  return undefined;
}
