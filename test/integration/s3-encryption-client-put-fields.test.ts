import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { PUT_OBJECT_FIELDS } from "../../src/client/put-object-fields.js";
import { S3EncryptionClient } from "../../src/client/s3-encryption-client.js";
import { ErrorCodes } from "../../src/errors.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import type { TestAws } from "../support/aws.js";
import { useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";

const MiB = 1024 * 1024;
const OWNER = "123456789012"; // moto's account
const aws = useTestAws();
let lockBucket: string;

beforeAll(async () => {
  lockBucket = `lock-${randomBytes(4).toString("hex")}`;
  await aws.s3.send(new CreateBucketCommand({ Bucket: lockBucket, ObjectLockEnabledForBucket: true }));
});

function encryptionClient(s3: { send: TestAws["s3"]["send"] } = aws.s3) {
  return new S3EncryptionClient({
    client: s3,
    keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyArn }),
    partSize: 5 * MiB,
  });
}

const retainUntil = new Date(Date.UTC(2040, 0, 31));
/** Every object-level field, with the value HeadObject should show. */
const objectFields = {
  ACL: "bucket-owner-full-control",
  CacheControl: "max-age=60",
  ContentDisposition: 'attachment; filename="db.bak"',
  ContentEncoding: "gzip",
  ContentLanguage: "de-CH",
  ContentType: "application/octet-stream",
  Expires: new Date(Date.UTC(2031, 5, 1)),
  StorageClass: "STANDARD_IA",
  WebsiteRedirectLocation: "/elsewhere.html",
  ServerSideEncryption: "aws:kms",
  SSEKMSKeyId: "", // set in the test (the moto key)
  BucketKeyEnabled: true,
  Tagging: "db=Sales&env=prod",
  ChecksumAlgorithm: "CRC32",
  ObjectLockMode: "GOVERNANCE",
  ObjectLockRetainUntilDate: retainUntil,
  ObjectLockLegalHoldStatus: "ON",
  ExpectedBucketOwner: OWNER,
  Metadata: { db: "Sales" },
} satisfies Partial<PutObjectCommandInput>;

describe.each([
  ["a single PutObject", 1000],
  ["a multipart upload", 5 * MiB + 1],
])("S3EncryptionClient PutObject carries every field through (%s)", (_, size) => {
  it("HeadObject, GetObjectTagging and GetObjectAcl show the fields, and the object decrypts", async () => {
    const key = `f/all-${size}.bin`;
    const data = randomBytes(size);
    const s3 = recordingClient(aws.s3);
    const input = { ...objectFields, SSEKMSKeyId: aws.keyArn } as Partial<PutObjectCommandInput>;
    await encryptionClient(s3).send(
      new PutObjectCommand({ ...input, Bucket: lockBucket, Key: key, Body: data }),
    );
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: lockBucket, Key: key }));
    expect(head).toMatchObject({
      CacheControl: "max-age=60",
      ContentDisposition: 'attachment; filename="db.bak"',
      ContentEncoding: "gzip",
      ContentLanguage: "de-CH",
      ContentType: "application/octet-stream",
      StorageClass: "STANDARD_IA",
      WebsiteRedirectLocation: "/elsewhere.html",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: aws.keyArn,
    });
    // The request that creates the object carries every field (moto keeps Object Lock and
    // BucketKeyEnabled only for a single PutObject, not for CreateMultipartUpload).
    const creating = s3.sent.find((c) => c.name === "PutObject" || c.name === "CreateMultipartUpload");
    const { Metadata: _m, ...withoutMetadata } = input;
    expect(creating?.input).toMatchObject(withoutMetadata);
    if (size <= 5 * MiB) {
      expect(head).toMatchObject({
        BucketKeyEnabled: true,
        ObjectLockMode: "GOVERNANCE",
        ObjectLockLegalHoldStatus: "ON",
      });
      expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(retainUntil.getTime());
    }
    expect(new Date(head.ExpiresString ?? String(head.Expires)).getTime()).toBe(
      objectFields.Expires.getTime(),
    );
    expect(head.Metadata?.db).toBe("Sales");
    expect(head.Metadata?.["x-amz-3"]).toBeDefined();
    const tags = await aws.s3.send(new GetObjectTaggingCommand({ Bucket: lockBucket, Key: key }));
    expect(tags.TagSet).toEqual(
      expect.arrayContaining([
        { Key: "db", Value: "Sales" },
        { Key: "env", Value: "prod" },
      ]),
    );
    const acl = await aws.s3.send(new GetObjectAclCommand({ Bucket: lockBucket, Key: key }));
    expect(acl.Grants?.some((g) => g.Permission === "FULL_CONTROL")).toBe(true);
    // ExpectedBucketOwner goes on every request about the object, not only the first.
    const about = s3.sent.filter((c) => c.input.Key === key);
    expect(about.length).toBeGreaterThan(0);
    for (const c of about) expect([c.name, c.input.ExpectedBucketOwner]).toEqual([c.name, OWNER]);
    if (size > 5 * MiB) {
      const complete = s3.sent.find((c) => c.name === "CompleteMultipartUpload");
      expect(
        complete?.input.MultipartUpload.Parts.every((p: { ChecksumCRC32?: string }) => p.ChecksumCRC32),
      ).toBe(true);
    }
    const got = await encryptionClient().send(new GetObjectCommand({ Bucket: lockBucket, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it("SSE-C, RequestPayer and the Grant fields reach every request about the object", async () => {
    const key = `f/ssec-${size}.bin`;
    const sseKey = randomBytes(32);
    const s3 = recordingClient(aws.s3);
    await encryptionClient(s3).send(
      new PutObjectCommand({
        Bucket: aws.bucket,
        Key: key,
        Body: randomBytes(size),
        SSECustomerAlgorithm: "AES256",
        SSECustomerKey: sseKey.toString("base64"),
        SSECustomerKeyMD5: createHash("md5").update(sseKey).digest("base64"),
        RequestPayer: "requester",
        GrantRead: `id=${"a".repeat(64)}`,
        GrantFullControl: `id=${"b".repeat(64)}`,
        GrantReadACP: `id=${"c".repeat(64)}`,
        GrantWriteACP: `id=${"d".repeat(64)}`,
      }),
    );
    const writes = s3.sent.filter((c) => c.input.Key === key);
    expect(writes.map((c) => c.name)).toEqual(
      size > 5 * MiB
        ? ["CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload"]
        : ["PutObject"],
    );
    for (const c of writes) {
      expect(c.input).toMatchObject({ SSECustomerAlgorithm: "AES256", RequestPayer: "requester" });
      expect(c.input.SSECustomerKey).toBe(sseKey.toString("base64"));
    }
    const first = writes[0]!.input;
    expect(first.GrantRead).toBe(`id=${"a".repeat(64)}`);
    expect(first.GrantWriteACP).toBe(`id=${"d".repeat(64)}`);
    // moto accepted every request; it does not echo SSE-C on HeadObject, so the requests are the proof.
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    expect(head.Metadata?.["x-amz-3"]).toBeDefined();
  });

  it("IfNoneMatch: * refuses to replace an existing object (checked where the object becomes visible)", async () => {
    const key = `f/once-${size}.bin`;
    const c = encryptionClient();
    const put = () =>
      c.send(
        new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: randomBytes(size), IfNoneMatch: "*" }),
      );
    await put();
    const before = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    await expect(put()).rejects.toMatchObject({ code: ErrorCodes.S3_FAILURE });
    const after = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
    expect(after.ETag).toBe(before.ETag);
  });
});

describe("S3EncryptionClient PutObject refuses fields that contradict the encryption, by name", () => {
  const body = "plaintext";
  it.each([
    "ContentMD5",
    "ChecksumCRC32",
    "ChecksumCRC32C",
    "ChecksumCRC64NVME",
    "ChecksumSHA1",
    "ChecksumSHA256",
  ])("Precondition: fields that contradict the encryption are refused by name (%s)", async (field) => {
    const s3 = recordingClient(aws.s3);
    const err = await encryptionClient(s3)
      .send(new PutObjectCommand({ Bucket: aws.bucket, Key: "r/x", Body: body, [field]: "AAAAAA==" }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCodes.PUT_FIELD_REFUSED, field });
    expect((err as Error).message).toContain(field);
    expect(s3.sent).toEqual([]);
  });

  it("Precondition: fields that contradict the encryption are refused by name (WriteOffsetBytes)", async () => {
    await expect(
      encryptionClient().send(
        new PutObjectCommand({ Bucket: aws.bucket, Key: "r/x", Body: body, WriteOffsetBytes: 10 }),
      ),
    ).rejects.toMatchObject({ code: ErrorCodes.PUT_FIELD_REFUSED, field: "WriteOffsetBytes" });
  });

  it("Precondition: ContentLength, when given, is the plaintext's length", async () => {
    await expect(
      encryptionClient().send(
        new PutObjectCommand({ Bucket: aws.bucket, Key: "r/x", Body: body, ContentLength: body.length + 16 }),
      ),
    ).rejects.toMatchObject({ code: ErrorCodes.PUT_FIELD_REFUSED, field: "ContentLength" });
    // The plaintext's own length is accepted, and for a stream it is the declared plaintext length.
    await encryptionClient().send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: "r/len", Body: body, ContentLength: body.length }),
    );
    await encryptionClient().send(
      new PutObjectCommand({
        Bucket: aws.bucket,
        Key: "r/len-stream",
        Body: Readable.from([Buffer.from(body)]),
        ContentLength: body.length,
      }),
    );
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: "r/len-stream" }));
    expect(head.ContentLength).toBe(body.length + 16);
  });

  it.each(["x-amz-key", "X-Amz-IV", "x-amz-matdesc", "x-amz-3", "x-amz-key-v2", "x-amz-meta-x-amz-c"])(
    "Precondition: Metadata keys never collide with the encryption metadata (%s)",
    async (k) => {
      await expect(
        encryptionClient().send(
          new PutObjectCommand({ Bucket: aws.bucket, Key: "r/x", Body: body, Metadata: { [k]: "v" } }),
        ),
      ).rejects.toMatchObject({ code: ErrorCodes.PUT_FIELD_REFUSED, field: "Metadata" });
    },
  );

  it("Precondition: ChecksumAlgorithm, when given, is CRC32 (what s3-cse computes on the ciphertext)", async () => {
    await expect(
      encryptionClient().send(
        new PutObjectCommand({ Bucket: aws.bucket, Key: "r/x", Body: body, ChecksumAlgorithm: "SHA256" }),
      ),
    ).rejects.toMatchObject({ code: ErrorCodes.PUT_FIELD_REFUSED, field: "ChecksumAlgorithm" });
  });

  it("Precondition: ContentEncoding does not claim an aws-chunked body (the client frames the ciphertext itself)", async () => {
    await expect(
      encryptionClient().send(
        new PutObjectCommand({
          Bucket: aws.bucket,
          Key: "r/x",
          Body: body,
          ContentEncoding: "gzip,aws-chunked",
        }),
      ),
    ).rejects.toMatchObject({ code: ErrorCodes.PUT_FIELD_REFUSED, field: "ContentEncoding" });
  });

  it("Precondition: a PutObject field s3-cse does not know is refused, never dropped", async () => {
    const cmd = new PutObjectCommand({ Bucket: aws.bucket, Key: "r/x", Body: body });
    Object.assign(cmd.input, { ChecksumBLAKE9: "AAAA" });
    await expect(encryptionClient().send(cmd)).rejects.toMatchObject({
      code: ErrorCodes.PUT_FIELD_REFUSED,
      field: "ChecksumBLAKE9",
    });
  });

  it("Precondition: the command names a Bucket and a Key", async () => {
    await expect(
      encryptionClient().send(new PutObjectCommand({ Bucket: aws.bucket, Key: undefined, Body: body })),
    ).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
  });

  it("the table names every field of this SDK's PutObject input", async () => {
    // Every field the installed SDK's PutObject serializer knows is in the table (carried or refused).
    const schema = (new PutObjectCommand({ Bucket: "b", Key: "k" }) as unknown as { schema?: unknown[] })
      .schema;
    const members = findMemberNames(schema);
    expect(members.length).toBeGreaterThan(30);
    expect(members.filter((m) => !(m in PUT_OBJECT_FIELDS))).toEqual([]);
  });
});

/** The input structure's member names from the command's schema (`[9, ns, name, traits, input, output]`). */
function findMemberNames(schema: unknown): string[] {
  const at = Array.isArray(schema) ? schema[4] : undefined;
  const input = typeof at === "function" ? at() : at;
  const names = Array.isArray(input) ? input[4] : undefined;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
}
