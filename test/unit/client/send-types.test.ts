import {
  DeleteObjectCommand,
  type DeleteObjectCommandOutput,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type PutObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { describe, expectTypeOf, it } from "vitest";
import type { S3EncryptionClient } from "../../../src/client/s3-encryption-client.js";
import type { CommandOutputOf } from "../../../src/client/send-types.js";

// Checked by `tsc --noEmit -p .` (test/ is in the project): a wrong type here fails the typecheck.
describe("S3EncryptionClient.send is typed like S3Client.send", () => {
  it("resolves to the command's own output type, for handled and passed-through commands", () => {
    const client = null as unknown as S3EncryptionClient;
    const send =
      <C extends Parameters<S3EncryptionClient["send"]>[0]>(c: C) =>
      () =>
        client.send(c);
    expectTypeOf(
      send(new PutObjectCommand({ Bucket: "b", Key: "k" })),
    ).returns.resolves.toEqualTypeOf<PutObjectCommandOutput>();
    expectTypeOf(
      send(new GetObjectCommand({ Bucket: "b", Key: "k" })),
    ).returns.resolves.toEqualTypeOf<GetObjectCommandOutput>();
    expectTypeOf(
      send(new DeleteObjectCommand({ Bucket: "b", Key: "k" })),
    ).returns.resolves.toEqualTypeOf<DeleteObjectCommandOutput>();
    expectTypeOf(
      send(new HeadObjectCommand({ Bucket: "b", Key: "k" })),
    ).returns.resolves.toEqualTypeOf<HeadObjectCommandOutput>();
    expectTypeOf(
      send(new ListObjectsV2Command({ Bucket: "b" })),
    ).returns.resolves.toEqualTypeOf<ListObjectsV2CommandOutput>();
  });

  it("is not any: a GetObject result is not a ListObjectsV2 result, and non-commands are refused", () => {
    expectTypeOf<CommandOutputOf<GetObjectCommand>>().not.toBeAny();
    expectTypeOf<CommandOutputOf<GetObjectCommand>>().not.toEqualTypeOf<ListObjectsV2CommandOutput>();
    expectTypeOf<CommandOutputOf<GetObjectCommand>["Body"]>().not.toBeAny();
    const client = null as unknown as S3EncryptionClient;
    const wrong = () => {
      // @ts-expect-error a plain object is not an SDK command
      void client.send({ Bucket: "b", Key: "k" });
    };
    expectTypeOf(wrong).toBeFunction();
  });
});
