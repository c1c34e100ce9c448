import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { runBuiltCli } from "../support/cli.js";
import { startConnectProxy } from "../support/connect-proxy.js";
import { useTempDir, useTestAws } from "../support/fixtures.js";
import { startTlsFront, type TlsFront } from "../support/tls-front.js";

const aws = useTestAws();
const dir = useTempDir("s3cse-net-");
let file: string;
let tls: TlsFront;
const creds = {
  AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
};

beforeAll(async () => {
  file = join(dir, "net.bak");
  await writeFile(file, randomBytes(2000));
  const u = new URL(aws.moto.endpoint);
  tls = await startTlsFront(dir, { host: u.hostname, port: Number(u.port) });
});
afterAll(async () => {
  await tls?.close();
});

const upload = (endpoint: string, key: string, ...extra: string[]) => [
  "upload",
  file,
  `s3://${aws.bucket}/${key}`,
  "--kms-key-id",
  aws.aliasName,
  "--endpoint-url",
  endpoint,
  ...extra,
];

describe("network settings (built binary)", () => {
  it("HTTP_PROXY sends S3 and KMS traffic through the proxy; NO_PROXY bypasses it", async () => {
    const proxy = await startConnectProxy();
    try {
      const r = await runBuiltCli(upload(aws.moto.endpoint, "net/proxied.bak"), {
        env: { ...creds, HTTP_PROXY: proxy.url },
        onlyEnv: true,
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const motoHost = new URL(aws.moto.endpoint).host;
      expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
      expect(proxy.tunnels.every((t) => t === motoHost)).toBe(true);
      await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "net/proxied.bak" }));

      const before = proxy.tunnels.length;
      const bypass = await runBuiltCli(upload(aws.moto.endpoint, "net/direct.bak"), {
        env: { ...creds, HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" },
        onlyEnv: true,
      });
      expect(bypass.code).toBe(0);
      expect(proxy.tunnels.length).toBe(before);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it("a self-signed endpoint fails with a message that says TLS and names --ca-bundle", async () => {
    const r = await runBuiltCli(upload(tls.endpoint, "net/tls-fail.bak"), { env: creds, onlyEnv: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/this is a TLS failure/);
    expect(r.stderr).toMatch(/--ca-bundle/);
  }, 60_000);

  it("--ca-bundle (and AWS_CA_BUNDLE) trusts it; --no-verify-ssl works with a warning", async () => {
    const withFlag = await runBuiltCli(upload(tls.endpoint, "net/tls-ok.bak", "--ca-bundle", tls.certFile), {
      env: creds,
      onlyEnv: true,
    });
    expect(withFlag.stderr).toBe("");
    expect(withFlag.code).toBe(0);
    const withEnv = await runBuiltCli(upload(tls.endpoint, "net/tls-env.bak"), {
      env: { ...creds, AWS_CA_BUNDLE: tls.certFile },
      onlyEnv: true,
    });
    expect(withEnv.code).toBe(0);
    const insecure = await runBuiltCli(upload(tls.endpoint, "net/tls-insecure.bak", "--no-verify-ssl"), {
      env: creds,
      onlyEnv: true,
    });
    expect(insecure.code).toBe(0);
    expect(insecure.stderr).toMatch(/warning: --no-verify-ssl: TLS certificates are not verified/);
  }, 60_000);

  it("Precondition: the CA bundle file is readable", async () => {
    const r = await runBuiltCli(upload(tls.endpoint, "net/x.bak", "--ca-bundle", join(dir, "missing.pem")), {
      env: creds,
      onlyEnv: true,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read the CA bundle .*missing\.pem/);
  }, 30_000);
});

describe("--debug (built binary)", () => {
  it("logs the SDK's requests on stderr with credentials and keys redacted", async () => {
    // Distinctive secrets (moto accepts any): none of them, nor the data key, may reach the log.
    const secret = "S3cseDebugSecret/MustNotAppear+0123456789abcdef";
    const token = "S3cseDebugSessionToken-MustNotAppear-9876543210";
    const accessKey = "AKIAS3CSEDEBUGNOTSHOWN";
    for (const format of ["rds", "v3"]) {
      const r = await runBuiltCli(
        upload(aws.moto.endpoint, `net/debug-${format}.bak`, "--debug", "--format", format, "--json"),
        {
          env: {
            ...creds,
            AWS_ACCESS_KEY_ID: accessKey,
            AWS_SECRET_ACCESS_KEY: secret,
            AWS_SESSION_TOKEN: token,
          },
          onlyEnv: true,
        },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/s3-cse debug info: .*"commandName":"GenerateDataKeyCommand"/);
      expect(r.stderr).toMatch(/"commandName":"PutObjectCommand"/);
      const metadata = r.json().metadata as Record<string, string>;
      const wrappedKey = metadata["x-amz-key"] ?? metadata["x-amz-3"];
      expect(wrappedKey?.length).toBeGreaterThan(20);
      expect(r.stderr).not.toContain(wrappedKey);
      if (format === "rds") {
        // the plaintext data key, as KMS returns it for the wrapped one (V1: no encryption context)
        const { DecryptCommand } = await import("@aws-sdk/client-kms");
        const dataKey = await aws.kms.send(
          new DecryptCommand({ CiphertextBlob: Buffer.from(wrappedKey!, "base64") }),
        );
        const plain = Buffer.from(dataKey.Plaintext!);
        expect(plain.length).toBe(32);
        for (const form of [plain.toString("base64"), plain.toString("hex"), [...plain].join(",")])
          expect(r.stderr).not.toContain(form);
      }
      for (const s of [secret, token, accessKey]) expect(r.stderr).not.toContain(s);
      expect(r.stderr).toContain("[redacted]");
    }
  }, 90_000);
});
