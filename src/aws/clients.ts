/**
 * Builds real SDK clients from AWS-CLI-style settings. Region and credentials come from the SDK
 * default chain (env, profile, SSO, IMDS…); `profile` selects a named profile. Endpoints:
 * `endpointUrl` applies to both S3 and KMS; otherwise the SDK's own AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_KMS apply. Path-style addressing is used whenever
 * the S3 endpoint is a custom one.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";

export interface AwsSettings {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** Max SDK attempts per request (default: the SDK's standard retry mode, 3). */
  maxAttempts?: number;
}

export interface AwsClients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  destroy(): void;
}

/** True if S3 requests go to a custom endpoint (then path-style addressing is used). */
export function hasCustomS3Endpoint(settings: AwsSettings, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(settings.endpointUrl || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
}

export function createAwsClients(
  settings: AwsSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): AwsClients {
  const common = {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.endpointUrl ? { endpoint: settings.endpointUrl } : {}),
    ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
  };
  const s3 = new S3Client({ ...common, forcePathStyle: hasCustomS3Endpoint(settings, env) });
  const kms = new KMSClient(common);
  return {
    s3,
    kms,
    destroy: () => {
      s3.destroy();
      kms.destroy();
    },
  };
}
