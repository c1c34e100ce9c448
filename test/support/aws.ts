/** SDK clients pointed at a moto_server, with a fresh bucket and KMS key per test file. */
import { randomUUID } from "node:crypto";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  EMULATOR_CREDENTIALS,
  EMULATOR_REGION,
  type MotoServer,
  startMoto,
} from "../../scripts/support/moto-server.js";

export interface TestAws {
  moto: MotoServer;
  s3: S3Client;
  kms: KMSClient;
  bucket: string;
  keyId: string;
  keyArn: string;
  aliasName: string;
  newBucket(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestAws(): Promise<TestAws> {
  const moto = await startMoto();
  const common = { endpoint: moto.endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const kms = new KMSClient(common);
  const newBucket = async () => {
    const name = `b-${randomUUID().slice(0, 8)}`;
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    return name;
  };
  const bucket = await newBucket();
  const key = await kms.send(new CreateKeyCommand({ Description: "s3-cse test key" }));
  const keyId = key.KeyMetadata!.KeyId!;
  const aliasName = `alias/s3-cse-test-${randomUUID().slice(0, 8)}`;
  await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
  return {
    moto,
    s3,
    kms,
    bucket,
    keyId,
    keyArn: key.KeyMetadata!.Arn!,
    aliasName,
    newBucket,
    stop: async () => {
      s3.destroy();
      kms.destroy();
      await moto.stop();
    },
  };
}
