import { type Command, Option } from "commander";
import { type AwsClients, type AwsSettings, createAwsClients } from "../aws/clients.js";

export interface CommonOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
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
    .addOption(new Option("--json", "print one JSON object on stdout, no progress bar"));
}

export function clientsFor(opts: CommonOptions, env: NodeJS.ProcessEnv): AwsClients {
  const settings: AwsSettings = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
  };
  return createAwsClients(settings, env);
}
