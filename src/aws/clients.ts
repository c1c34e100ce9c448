/**
 * Builds real SDK clients from AWS-CLI-style settings. Region and credentials come from the SDK
 * default chain (env, profile, SSO, IMDS…); `profile` selects a named profile. Endpoints:
 * `endpointUrl` applies to both S3 and KMS; otherwise the SDK's own AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_KMS apply. Path-style addressing is used whenever
 * the S3 endpoint is a custom one.
 */
import { readFileSync } from "node:fs";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { UsageError } from "../errors.js";
import { ProxyAwareAgent, proxyConfigured } from "./proxy-agent.js";

/** AWS CLI defaults: 60 s to connect, 60 s of socket inactivity while waiting for or reading a response. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;
export const DEFAULT_READ_TIMEOUT_MS = 60_000;

export interface AwsSettings {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** Max SDK attempts per request (default: the SDK's standard retry mode, 3). */
  maxAttempts?: number;
  /**
   * Milliseconds to establish a TCP/TLS connection before the attempt fails with a `TimeoutError`
   * (which the SDK retries like any transient error). Default 60,000 (the AWS CLI's); 0 = no timeout.
   */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a socket may stay silent (no response bytes, e.g. a stalled UploadPart or GetObject)
   * before the attempt fails with a `TimeoutError` (retried). Default 60,000; 0 = no timeout.
   */
  readTimeoutMs?: number;
  /** Path of a PEM CA bundle to trust instead of Node's defaults (else AWS_CA_BUNDLE). */
  caBundle?: string;
  /** false: do not verify TLS certificates (--no-verify-ssl). Default true. */
  verifySsl?: boolean;
  /** The SDK logger for both clients (the CLI's --debug passes a redacting one). */
  logger?: S3ClientConfig["logger"];
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
    ...(settings.logger ? { logger: settings.logger } : {}),
  };
  const s3 = new S3Client({
    ...common,
    forcePathStyle: hasCustomS3Endpoint(settings, env),
    requestHandler: createRequestHandler(settings, env),
  });
  const kms = new KMSClient({ ...common, requestHandler: createRequestHandler(settings, env) });
  return {
    s3,
    kms,
    destroy: () => {
      s3.destroy();
      kms.destroy();
    },
  };
}

/** The RDS and IAM clients of the RDS-side preflight (optional peer dependencies, loaded on use). */
export interface PreflightClients {
  // biome-ignore lint/suspicious/noExplicitAny: SDK clients, typed by their packages.
  readonly rds: { send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any> };
  // biome-ignore lint/suspicious/noExplicitAny: SDK clients, typed by their packages.
  readonly iam: { send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any> };
  destroy(): void;
}

/**
 * RDS and IAM clients with the same settings as {@link createAwsClients} (`endpointUrl` applies to
 * them too; else AWS_ENDPOINT_URL_RDS / AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL).
 */
export async function createPreflightClients(
  settings: AwsSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<PreflightClients> {
  let sdk: [typeof import("@aws-sdk/client-rds"), typeof import("@aws-sdk/client-iam")];
  try {
    sdk = await Promise.all([import("@aws-sdk/client-rds"), import("@aws-sdk/client-iam")]);
  } catch (err) {
    /* Precondition: the RDS and IAM SDK clients are installed for the RDS-side preflight. */
    throw new UsageError(
      "the RDS-side preflight (--db-instance) needs @aws-sdk/client-rds and @aws-sdk/client-iam: npm install @aws-sdk/client-rds @aws-sdk/client-iam @cloud-copilot/iam-simulate",
      { cause: err },
    );
  }
  const common = {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.endpointUrl ? { endpoint: settings.endpointUrl } : {}),
    ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
    ...(settings.logger ? { logger: settings.logger } : {}),
  };
  const rds = new sdk[0].RDSClient({ ...common, requestHandler: createRequestHandler(settings, env) });
  const iam = new sdk[1].IAMClient({ ...common, requestHandler: createRequestHandler(settings, env) });
  return {
    rds,
    iam,
    destroy: () => {
      rds.destroy();
      iam.destroy();
    },
  };
}

function timeoutMs(value: number | undefined, fallback: number, name: string): number {
  const ms = value ?? fallback;
  /* Precondition: a timeout is a finite number of milliseconds >= 0. */
  if (!Number.isFinite(ms) || ms < 0)
    throw new UsageError(`${name} must be a number of milliseconds >= 0 (0 = no timeout), got ${value}`);
  return ms;
}

/**
 * The Node HTTP handler every client built here uses: connect and read (socket idle) timeouts, so
 * a stalled request fails with a retryable `TimeoutError` instead of hanging.
 */
export function createRequestHandler(
  settings: AwsSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): NodeHttpHandler {
  const caPath = settings.caBundle ?? (env.AWS_CA_BUNDLE || undefined);
  let ca: Buffer | undefined;
  if (caPath !== undefined) {
    try {
      ca = readFileSync(caPath);
    } catch (err) {
      /* Precondition: the CA bundle file is readable. */
      throw new UsageError(`cannot read the CA bundle ${caPath} (--ca-bundle / AWS_CA_BUNDLE)`, {
        cause: err,
      });
    }
  }
  const tls = {
    ...(ca ? { ca } : {}),
    ...(settings.verifySsl === false ? { rejectUnauthorized: false } : {}),
  };
  // HTTPS_PROXY/HTTP_PROXY/NO_PROXY are read from process.env per request by proxy-from-env.
  const agent =
    proxyConfigured(env) || ca !== undefined || settings.verifySsl === false
      ? new ProxyAwareAgent(tls)
      : undefined;
  return new NodeHttpHandler({
    ...(agent ? { httpAgent: agent, httpsAgent: agent } : {}),
    connectionTimeout: timeoutMs(settings.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, "connectTimeoutMs"),
    socketTimeout: timeoutMs(settings.readTimeoutMs, DEFAULT_READ_TIMEOUT_MS, "readTimeoutMs"),
  });
}
