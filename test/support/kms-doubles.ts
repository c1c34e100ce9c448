/** In-memory KMS fakes with the `{ send }` shape the KMS keyring takes. */
import { randomBytes } from "node:crypto";
import { DecryptCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";

type Ec = Record<string, string> | undefined;

export interface RecordedCall {
  name: string;
  input: Record<string, unknown>;
}

function kmsError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

const canonical = (ec: Ec) =>
  JSON.stringify(Object.entries(ec ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * A KMS that remembers every blob it generated: Decrypt succeeds only for a known blob, under the
 * same key id and the exact encryption context (as real KMS authenticates it).
 */
export function statefulFakeKms(keyId = "test-key") {
  const blobs = new Map<string, { ec: string; key: Buffer }>();
  const calls: RecordedCall[] = [];
  return {
    calls,
    async send(command: unknown) {
      if (command instanceof GenerateDataKeyCommand) {
        const input = command.input;
        calls.push({ name: "GenerateDataKey", input: { ...input } });
        if (input.KeyId !== keyId) throw kmsError("NotFoundException", "unknown key");
        const key = randomBytes(32);
        const blob = Buffer.concat([Buffer.from([1, 2, 0]), randomBytes(48)]);
        blobs.set(blob.toString("hex"), { ec: canonical(input.EncryptionContext), key });
        return { Plaintext: new Uint8Array(key), CiphertextBlob: new Uint8Array(blob), KeyId: keyId };
      }
      if (command instanceof DecryptCommand) {
        const input = command.input;
        calls.push({ name: "Decrypt", input: { ...input } });
        const entry = blobs.get(Buffer.from(input.CiphertextBlob ?? []).toString("hex"));
        if (!entry || entry.ec !== canonical(input.EncryptionContext)) {
          throw kmsError("InvalidCiphertextException", "blob or context mismatch");
        }
        if (input.KeyId !== undefined && input.KeyId !== keyId)
          throw kmsError("IncorrectKeyException", "wrong key");
        return { Plaintext: new Uint8Array(entry.key), KeyId: keyId };
      }
      throw new Error("unexpected KMS command");
    },
  };
}

/**
 * The fake of a published vector: Decrypt returns `plaintext` after checking that the request
 * carries exactly `expectedContext` (no EncryptionContext member when it is empty) and, when
 * `expectedKeyId` is given, that KeyId.
 */
export function vectorFakeKms(
  plaintext: Uint8Array | undefined,
  expectedContext: Ec,
  expectedKeyId?: string,
) {
  const calls: RecordedCall[] = [];
  return {
    calls,
    async send(command: unknown) {
      if (!(command instanceof DecryptCommand)) throw new Error("vector fake answers Decrypt only");
      const input = command.input;
      calls.push({ name: "Decrypt", input: { ...input } });
      const wantsContext =
        expectedContext && Object.keys(expectedContext).length > 0 ? expectedContext : undefined;
      if (
        canonical(input.EncryptionContext) !== canonical(wantsContext) ||
        (wantsContext === undefined) !== (input.EncryptionContext === undefined)
      ) {
        throw kmsError("InvalidCiphertextException", "encryption context differs from the vector's");
      }
      if (expectedKeyId !== undefined && input.KeyId !== expectedKeyId) {
        throw kmsError("IncorrectKeyException", "KeyId differs from the vector's");
      }
      if (!plaintext) throw new Error("this vector must fail before KMS is called");
      return { Plaintext: new Uint8Array(plaintext), KeyId: "test-key-id" };
    },
  };
}
