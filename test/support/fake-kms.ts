import { randomBytes } from "node:crypto";
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";

/** A mocked KMSClient whose GenerateDataKey returns a fixed key and whose Decrypt returns it back. */
export function fakeKms(dataKey: Buffer = randomBytes(32)) {
  const kms = new KMSClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const mock = mockClient(kms);
  const blob = Buffer.concat([Buffer.from([1, 2, 3]), randomBytes(32)]);
  mock
    .on(GenerateDataKeyCommand)
    .resolves({ Plaintext: dataKey, CiphertextBlob: blob, KeyId: "arn:aws:kms:us-east-1:1:key/k" });
  mock.on(DecryptCommand).resolves({ Plaintext: dataKey, KeyId: "arn:aws:kms:us-east-1:1:key/k" });
  return { kms, mock, dataKey, blob };
}

/** An AWS-SDK-shaped service error. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}
