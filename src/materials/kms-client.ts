/**
 * The only module of the materials layer that imports the AWS SDK: KMS command classes and
 * the mapping of KMS failures to {@link KeyringError}. Clients are injected, so anything with
 * a `send(command)` method works (a real KMSClient, a mock, a fake).
 */
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  ReEncryptCommand,
} from "@aws-sdk/client-kms";
import { AbortError, ErrorCodes, KeyringError } from "../errors.js";

export {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  ReEncryptCommand,
};

/** The part of a KMS client s3-cse needs. `KMSClient` from `@aws-sdk/client-kms` satisfies it. */
export interface KmsClientLike {
  // biome-ignore lint/suspicious/noExplicitAny: structural type for any SDK-shaped client.
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

const KNOWN_FIXES: Record<string, string> = {
  NotFoundException: "check the key id, ARN or alias and the region",
  DisabledException: "enable the key in KMS",
  KMSInvalidStateException: "the key is pending deletion or import; use an enabled key",
  AccessDeniedException: "grant this principal the KMS permission in the key policy or IAM policy",
  InvalidCiphertextException:
    "the wrapped data key does not belong to this KMS key, or the encryption context differs from the one used at encryption",
  IncorrectKeyException: "the object's data key was wrapped under a different KMS key",
  InvalidKeyUsageException: "use a symmetric ENCRYPT_DECRYPT key",
};

/** Wraps a KMS failure: the message names the operation, key and AWS error, and how to fix it. */
export function kmsError(
  operation: string,
  keyId: string | undefined,
  err: unknown,
): KeyringError | AbortError {
  if (err instanceof Error && err.name === "AbortError") {
    return new AbortError(`KMS ${operation} was aborted`, { cause: err });
  }
  const name = err instanceof Error ? err.name : "Error";
  const detail = err instanceof Error && err.message ? `: ${err.message}` : "";
  const fix = KNOWN_FIXES[name];
  const target = keyId ? ` for key ${keyId}` : "";
  return new KeyringError(
    ErrorCodes.KEYRING_FAILURE,
    `KMS ${operation}${target} failed with ${name}${detail}${fix ? ` (${fix})` : ""}`,
    { cause: err },
  );
}
