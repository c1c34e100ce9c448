/**
 * The per-file fixtures (test/support/fixtures.ts, test/interop/support/fixture.ts): the handles
 * stand for what their hooks started, and the fault proxy sits in front of this file's moto_server.
 */
import { existsSync } from "node:fs";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { useInteropFixture } from "../interop/support/fixture.js";
import {
  kmsKeyring,
  lazy,
  putEncrypted,
  useFaultProxy,
  useTempDir,
  useTestAws,
} from "../support/fixtures.js";

const aws = useTestAws();
const net = useFaultProxy(aws);
const dir = useTempDir("s3cse-fixtures-");
const interop = useInteropFixture();
afterAll(() => {
  // Registered after useTempDir: after hooks run in reverse, so the directory is still there.
  expect(existsSync(dir)).toBe(true);
});

describe("test fixtures", () => {
  it("lazy(): reads before the hook ran throw, naming the fixture", () => {
    let value: { n: number } | undefined;
    const handle = lazy("the thing", () => value);
    expect(() => handle.n).toThrow(/the thing is used before its beforeAll hook ran/);
    value = { n: 3 };
    expect(handle.n).toBe(3);
  });

  it("useFaultProxy: the proxied client is an S3Client whose requests the proxy sees and can fail", async () => {
    expect(net.s3).toBeInstanceOf(S3Client);
    await putEncrypted(aws, "fx/a", Buffer.from("fixture"), "v3");
    net.proxy.addRule({
      method: "HEAD",
      path: `/${aws.bucket}/fx/a`,
      fault: { kind: "status", status: 403 },
    });
    await expect(
      net.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "fx/a" })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    expect(net.proxy.matching({ method: "HEAD", path: `/${aws.bucket}/fx/a` }).length).toBeGreaterThan(0);
  });

  it("useFaultProxy clears the rules before each test", async () => {
    const head = await net.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "fx/a" }));
    expect(head.Metadata?.["x-amz-c"]).toBe("115");
  });

  it("putEncrypted and kmsKeyring: the object decrypts with the fixture's key", async () => {
    const opened = await openDecryptedStream({
      s3: aws.s3,
      bucket: aws.bucket,
      key: "fx/a",
      keyring: kmsKeyring(aws),
    });
    const chunks: Buffer[] = [];
    for await (const c of opened.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("fixture");
  });

  it("useTempDir made its directory at once; useInteropFixture started its own moto_server", () => {
    expect(existsSync(dir)).toBe(true);
    expect(interop.aws.bucket).not.toBe(aws.bucket);
    const p = interop.plaintext(33);
    expect(existsSync(p.file)).toBe(true);
    expect(p.data).toHaveLength(33);
  });
});
