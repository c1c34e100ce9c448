import type { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  createAwsClients,
  createRequestHandler,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_READ_TIMEOUT_MS,
} from "../../../src/aws/clients.js";
import { secondsOption } from "../../../src/cli/common-options.js";
import { S3EncryptionClient } from "../../../src/client/s3-encryption-client.js";

/** The resolved NodeHttpHandler options (the handler resolves them lazily). */
const configOf = (handler: unknown) =>
  (handler as { configProvider: Promise<Record<string, unknown>> }).configProvider;

describe("createRequestHandler (no hang)", () => {
  it("defaults to the AWS CLI's 60 s connect and read timeouts", async () => {
    const cfg = await configOf(createRequestHandler());
    expect(DEFAULT_CONNECT_TIMEOUT_MS).toBe(60_000);
    expect(DEFAULT_READ_TIMEOUT_MS).toBe(60_000);
    expect(cfg).toMatchObject({ connectionTimeout: 60_000, socketTimeout: 60_000 });
  });

  it("takes the library options, 0 meaning no timeout", async () => {
    const cfg = await configOf(createRequestHandler({ connectTimeoutMs: 0, readTimeoutMs: 1500 }));
    expect(cfg).toMatchObject({ connectionTimeout: 0, socketTimeout: 1500 });
  });

  it("a timeout is a finite number of milliseconds >= 0", () => {
    expect(() => createRequestHandler({ readTimeoutMs: -1 })).toThrow(/readTimeoutMs must be a number/);
    expect(() => createRequestHandler({ connectTimeoutMs: Number.NaN })).toThrow(/connectTimeoutMs/);
  });

  it("both the S3 and the KMS client get the handler", async () => {
    const clients = createAwsClients({ region: "us-east-1", readTimeoutMs: 1234 });
    try {
      for (const client of [clients.s3, clients.kms]) {
        expect(await configOf(client.config.requestHandler)).toMatchObject({
          socketTimeout: 1234,
          connectionTimeout: 60_000,
        });
      }
    } finally {
      clients.destroy();
    }
  });
});

describe("the drop-in client's kmsKeyId shorthand (no hang)", () => {
  it("builds its KMS client with the 60 s connect and read timeouts", async () => {
    const s3 = new S3Client({ region: "us-east-1" });
    const client = new S3EncryptionClient({ client: s3, kmsKeyId: "alias/k" });
    try {
      const [kms] = (client as unknown as { created: KMSClient[] }).created;
      expect(await configOf(kms!.config.requestHandler)).toMatchObject({
        connectionTimeout: 60_000,
        socketTimeout: 60_000,
      });
    } finally {
      client.destroy();
      s3.destroy();
    }
  });
});

describe("secondsOption", () => {
  it("a timeout flag is a number of seconds >= 0", () => {
    expect(secondsOption("1.5", "--cli-read-timeout")).toBe(1500);
    expect(secondsOption("0", "--cli-read-timeout")).toBe(0);
    expect(() => secondsOption("-1", "--cli-read-timeout")).toThrow(
      /--cli-read-timeout must be a number of seconds/,
    );
    expect(() => secondsOption("soon", "--cli-connect-timeout")).toThrow(/--cli-connect-timeout/);
  });
});
