// Encrypt a SQL Server backup and upload it in the format Amazon RDS for SQL Server restores
// (V1, KMS-wrapped key with no encryption context), then print the T-SQL that restores it.
//
//   BUCKET=my-backups KMS_KEY_ID=alias/rds-backups FILE=SalesDb.bak npx tsx examples/upload-rds-backup.ts
//
// Credentials, region and endpoint (AWS_ENDPOINT_URL) come from the AWS SDK's default chain.
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { encryptAndUploadFile, KmsKeyring, restoreSql } from "s3-cse";

const { BUCKET, KMS_KEY_ID, FILE } = process.env;
if (!BUCKET || !KMS_KEY_ID || !FILE) {
  console.error("set BUCKET, KMS_KEY_ID and FILE (and optionally KEY, DB_NAME)");
  process.exit(2);
}
const key = process.env.KEY ?? `backups/${FILE.split("/").pop()}`;

const s3 = new S3Client({});
const kms = new KMSClient({});
const result = await encryptAndUploadFile({
  s3,
  keyring: new KmsKeyring({ client: kms, keyId: KMS_KEY_ID }),
  bucket: BUCKET,
  key,
  file: FILE,
  format: "rds",
  onProgress: (p) => process.stderr.write(`\r${p.bytesUploaded} bytes acknowledged, ${p.partsDone} parts`),
});
process.stderr.write("\n");
console.log(`uploaded s3://${result.bucket}/${result.key}: ${result.bytes} bytes, format ${result.format}`);

// RDS needs the key's ARN (not an alias) in @kms_master_key_arn.
const described = await kms.send(new DescribeKeyCommand({ KeyId: KMS_KEY_ID }));
console.log(
  restoreSql({
    bucket: BUCKET,
    key,
    kmsKeyArn: described.KeyMetadata?.Arn ?? KMS_KEY_ID,
    dbName: process.env.DB_NAME ?? "SalesDb",
  }),
);
s3.destroy();
kms.destroy();
