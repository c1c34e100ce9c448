/**
 * S3EncryptionClient's DeleteObjects also removes each object's instruction file, which doubles
 * the keys; S3 takes at most 1,000 keys per request, so the client sends them in batches of 1,000
 * and merges the answers. Call sequences through aws-sdk-client-mock on a real S3Client.
 */
import { DeleteObjectsCommand, type DeleteObjectsCommandInput, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { S3EncryptionClient } from "../../../src/client/s3-encryption-client.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";

const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
const s3Mock = mockClient(s3);
const client = new S3EncryptionClient({
  client: s3,
  keyring: new RawAesKeyring({ key: Buffer.alloc(32, 1), materialsDescription: { k: "del" } }),
});

const keys = (n: number) =>
  Array.from({ length: n }, (_, i) => `db/backup-${String(i).padStart(5, "0")}.bak`);
const withInstructions = (ks: string[]) => ks.flatMap((k) => [k, `${k}.instruction`]);

/** The Objects of each DeleteObjects request sent, in order. */
function batches(): string[][] {
  return s3Mock
    .commandCalls(DeleteObjectsCommand)
    .map((c) => (c.args[0].input as DeleteObjectsCommandInput).Delete?.Objects?.map((o) => o.Key!) ?? []);
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(DeleteObjectsCommand).callsFake((input: DeleteObjectsCommandInput) => ({
    Deleted: (input.Delete?.Objects ?? []).map((o) => ({ Key: o.Key })),
  }));
});

describe("DeleteObjects on the encryption client", () => {
  it("sends 500 keys and their instruction files as one request of 1,000", async () => {
    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: keys(500).map((Key) => ({ Key })) } }),
    );
    expect(batches().map((b) => b.length)).toEqual([1000]);
    expect(batches()[0]).toEqual(withInstructions(keys(500)));
    expect(out.Deleted).toHaveLength(1000);
  });

  it("splits 501 keys (1,002 with instruction files) into 1,000 + 2", async () => {
    await client.send(
      new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: keys(501).map((Key) => ({ Key })) } }),
    );
    expect(batches().map((b) => b.length)).toEqual([1000, 2]);
    expect(batches()[1]).toEqual(withInstructions(keys(501)).slice(1000));
  });

  it("batches 1,200 keys over 1,000 per request, keeping order, bucket, options and versions", async () => {
    const objects = keys(1200).map((Key, i) => (i === 700 ? { Key, VersionId: "v700" } : { Key }));
    const out = await client.send(
      new DeleteObjectsCommand({
        Bucket: "b",
        ExpectedBucketOwner: "111122223333",
        Delete: { Objects: objects, Quiet: false },
      }),
    );
    const calls = s3Mock.commandCalls(DeleteObjectsCommand);
    expect(batches().map((b) => b.length)).toEqual([1000, 1000, 400]);
    // Every key and every instruction file exactly once, in the caller's order.
    expect(batches().flat()).toEqual(withInstructions(keys(1200)));
    for (const call of calls) {
      const input = call.args[0].input as DeleteObjectsCommandInput;
      expect(input.Bucket).toBe("b");
      expect(input.ExpectedBucketOwner).toBe("111122223333");
      expect(input.Delete?.Quiet).toBe(false);
    }
    // The version stays on the object it was given for, not on its instruction file.
    const second = (calls[1]!.args[0].input as DeleteObjectsCommandInput).Delete!.Objects!;
    expect(second.find((o) => o.Key === keys(1200)[700])).toEqual({
      Key: keys(1200)[700],
      VersionId: "v700",
    });
    expect(second.find((o) => o.Key === `${keys(1200)[700]}.instruction`)).toEqual({
      Key: `${keys(1200)[700]}.instruction`,
    });
    // The answers of all batches are merged.
    expect(out.Deleted?.map((d) => d.Key)).toEqual(withInstructions(keys(1200)));
    expect(out.Errors).toEqual([]);
  });

  it("merges the Errors of every batch", async () => {
    s3Mock.on(DeleteObjectsCommand).callsFake((input: DeleteObjectsCommandInput) => {
      const [first, ...rest] = input.Delete?.Objects ?? [];
      return {
        Deleted: rest.map((o) => ({ Key: o.Key })),
        Errors: [{ Key: first?.Key, Code: "AccessDenied", Message: "Access Denied" }],
      };
    });
    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: keys(1200).map((Key) => ({ Key })) } }),
    );
    expect(out.Errors?.map((e) => e.Key)).toEqual([keys(1200)[0], keys(1200)[500], keys(1200)[1000]]);
    expect(out.Deleted).toHaveLength(2400 - 3);
  });

  it("stops at a batch that fails: the error reaches the caller and later batches are not sent", async () => {
    let n = 0;
    s3Mock.on(DeleteObjectsCommand).callsFake(() => {
      n++;
      if (n === 2) throw Object.assign(new Error("SlowDown"), { name: "SlowDown" });
      return { Deleted: [] };
    });
    const err = await client
      .send(
        new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: keys(1200).map((Key) => ({ Key })) } }),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "SlowDown" });
    expect(batches().map((b) => b.length)).toEqual([1000, 1000]);
  });

  it("passes the abort signal to every batch", async () => {
    const controller = new AbortController();
    const seen: unknown[] = [];
    const send = s3.send.bind(s3);
    const spy = Object.assign(s3, {
      send: (command: unknown, options?: { abortSignal?: AbortSignal }) => {
        seen.push(options?.abortSignal);
        return send(command as never, options as never);
      },
    });
    try {
      await client.send(
        new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: keys(600).map((Key) => ({ Key })) } }),
        { abortSignal: controller.signal },
      );
    } finally {
      spy.send = send as never;
    }
    expect(seen).toEqual([controller.signal, controller.signal]);
  });
});
