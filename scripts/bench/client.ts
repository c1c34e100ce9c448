/**
 * The one S3 client configuration every benchmark configuration uses: path-style requests to
 * the loopback sink, fixed dummy credentials, keep-alive sockets, SDK-default checksums and
 * SigV4. Over HTTPS the agent trusts the run's self-signed certificate (`caFile`). With
 * `unsignedPayload`, a build-step middleware sets `x-amz-content-sha256: UNSIGNED-PAYLOAD` on
 * UploadPart and PutObject, so SigV4 skips hashing the body (the same setting then applies to
 * the baseline and to s3-cse).
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { S3Client } from "@aws-sdk/client-s3";

export interface ClientSettings {
  readonly endpoint: string;
  readonly maxSockets: number;
  readonly unsignedPayload: boolean;
  /** PEM CA bundle for an https endpoint. */
  readonly caFile?: string;
}

const UNSIGNED_COMMANDS = new Set(["UploadPartCommand", "PutObjectCommand"]);

export function benchClient(settings: ClientSettings): S3Client {
  const agent = { keepAlive: true, maxSockets: settings.maxSockets };
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    maxAttempts: 1,
    requestHandler: settings.endpoint.startsWith("https:")
      ? {
          httpsAgent: new HttpsAgent({
            ...agent,
            ...(settings.caFile ? { ca: readFileSync(settings.caFile) } : {}),
          }),
        }
      : { httpAgent: new Agent(agent) },
  });
  if (settings.unsignedPayload) {
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (UNSIGNED_COMMANDS.has(context.commandName ?? "") && request.headers) {
          request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
        }
        return next(args);
      },
      { step: "build", name: "benchUnsignedPayload" },
    );
  }
  return s3;
}
