// The drop-in S3EncryptionClient: code written against @aws-sdk/client-s3 keeps its commands;
// PutObject encrypts (V3, key-committing AES-GCM), GetObject decrypts and authenticates.
//
//   BUCKET=my-bucket KMS_KEY_ID=alias/app npx tsx examples/drop-in-put-get.ts
import { KMSClient } from "@aws-sdk/client-kms";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { KmsKeyring, S3EncryptionClient } from "s3-cse";

const { BUCKET, KMS_KEY_ID } = process.env;
if (!BUCKET || !KMS_KEY_ID) {
  console.error("set BUCKET and KMS_KEY_ID");
  process.exit(2);
}
const plain = new S3Client({});
const s3 = new S3EncryptionClient({
  client: plain,
  keyring: new KmsKeyring({ client: new KMSClient({}), keyId: KMS_KEY_ID }),
  encryptionContext: { app: "ledger" },
});

const Key = "examples/drop-in.txt";
await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: "hello, encrypted world" }));
const { Body } = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
console.log(`decrypted: ${await Body?.transformToString()}`);

// What S3 holds is ciphertext with the S3 Encryption Client metadata.
const head = await plain.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
console.log(
  `stored: ${head.ContentLength} bytes, metadata keys: ${Object.keys(head.Metadata ?? {})
    .sort()
    .join(", ")}`,
);
plain.destroy();
