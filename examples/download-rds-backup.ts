// Bring an RDS for SQL Server backup home: download and decrypt a backup that RDS wrote with
// rds_backup_database … @kms_master_key_arn (V1 AES-CBC, unauthenticated — hence allowLegacy).
// The output file appears only after the whole object decrypted (a temporary file is renamed).
//
//   BUCKET=my-backups KEY=sales/SalesDb.bak FILE=SalesDb.bak npx tsx examples/download-rds-backup.ts
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { downloadToFile, KmsKeyring } from "s3-cse";

const { BUCKET, KEY, FILE } = process.env;
if (!BUCKET || !KEY || !FILE) {
  console.error("set BUCKET, KEY and FILE (and optionally KMS_KEY_ID)");
  process.exit(2);
}
const s3 = new S3Client({});
const kms = new KMSClient({});
const result = await downloadToFile({
  s3,
  // V1 objects do not name their KMS key; KMS finds it from the wrapped key (KMS_KEY_ID pins it).
  keyring: new KmsKeyring({
    client: kms,
    ...(process.env.KMS_KEY_ID ? { keyId: process.env.KMS_KEY_ID } : {}),
  }),
  bucket: BUCKET,
  key: KEY,
  file: FILE,
  allowLegacy: true,
});
console.log(
  `decrypted s3://${BUCKET}/${KEY} (${result.format}, ${result.contentAlgorithm}) to ${result.file}: ${result.bytes} bytes`,
);
s3.destroy();
kms.destroy();
