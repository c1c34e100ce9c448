import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseInstructionFile } from "../../../src/codec/decode.js";
import { isS3CseError } from "../../../src/errors.js";
import type { Keyring } from "../../../src/materials/keyring.js";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import type { ReadPolicyOptions } from "../../../src/materials/policy.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { decryptObject } from "../../support/envelope.js";
import { vectorFakeKms } from "../../support/kms-doubles.js";

interface Encoded {
  encoding: "hex" | "base64" | "utf8";
  value: string;
}
interface Vector {
  id: string;
  source: { repo: string; path: string; test: string };
  format: string;
  keyring:
    | { type: "raw-aes"; key: Encoded }
    | { type: "kms"; kmsPlaintext?: Encoded; expectedEncryptionContext: Record<string, string> };
  readOptions: ReadPolicyOptions;
  metadata: Record<string, string>;
  instructionFile?: string;
  body: Encoded;
  expected: { outcome: "plaintext"; plaintext: Encoded } | { outcome: "error"; code: string };
}

const manifest = JSON.parse(
  readFileSync(new URL("../../../fixtures/vectors/manifest.json", import.meta.url), "utf8"),
) as { vectors: Vector[] };
const bytes = (e: Encoded) => Buffer.from(e.value, e.encoding);

function keyringFor(v: Vector) {
  if (v.keyring.type === "raw-aes")
    return { keyring: new RawAesKeyring({ key: bytes(v.keyring.key) }) as Keyring };
  const kms = vectorFakeKms(
    v.keyring.kmsPlaintext && bytes(v.keyring.kmsPlaintext),
    v.keyring.expectedEncryptionContext,
    "test-key-id",
  );
  return { keyring: new KmsKeyring({ client: kms, keyId: "test-key-id" }) as Keyring, kms };
}

describe("published S3EC vectors (fixtures/vectors/manifest.json)", () => {
  it("holds every vector of docs/formats.md#published-vectors with its source", () => {
    const ids = manifest.vectors.map((v) => v.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "ruby-v1-aes-object-metadata",
        "ruby-v1-aes-instruction-file",
        "ruby-v1-client-kms-gcm",
        "aws-sdk-go-kms-cbc",
        "aws-sdk-go-kms-cbc-2",
        "aws-sdk-go-v2-kms-context-gcm",
        "s3ec-go-v3-kms-context",
        "s3ec-go-v3-incorrect-commitment",
        "s3ec-go-v3-invalid-commitment-base64",
      ]),
    );
    for (const v of manifest.vectors) expect(v.source.repo && v.source.path && v.source.test).toBeTruthy();
  });

  for (const v of manifest.vectors) {
    it(`${v.id}: ${v.expected.outcome === "plaintext" ? "decrypts" : `fails with ${v.expected.code}`} (${v.source.test})`, async () => {
      const { keyring, kms } = keyringFor(v);
      const instr = v.instructionFile === undefined ? undefined : parseInstructionFile(v.instructionFile);
      const run = decryptObject(v.metadata, bytes(v.body), keyring, v.readOptions, 7, {}, instr);
      if (v.expected.outcome === "plaintext") {
        expect((await run).equals(bytes(v.expected.plaintext))).toBe(true);
        if (kms) expect(kms.calls).toHaveLength(1);
      } else {
        const err = await run.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isS3CseError(err) ? err.code : err).toBe(v.expected.code);
      }
    });
  }

  it("the legacy-policy vector is refused before KMS is called", async () => {
    const v = manifest.vectors.find((x) => x.id === "aws-sdk-go-v2-kms-cbc-without-legacy")!;
    const { keyring, kms } = keyringFor(v);
    await expect(decryptObject(v.metadata, bytes(v.body), keyring, v.readOptions)).rejects.toThrow(
      /--allow-legacy/,
    );
    expect(kms?.calls).toHaveLength(0);
  });

  it("a vector read with a different encryption context fails (the fake checks what it is sent)", async () => {
    const v = manifest.vectors.find((x) => x.id === "aws-sdk-go-kms-cbc-2")!;
    const kms = vectorFakeKms(Buffer.alloc(32), { kms_cmk_id: "another-key" });
    const keyring = new KmsKeyring({ client: kms });
    await expect(decryptObject(v.metadata, bytes(v.body), keyring, v.readOptions)).rejects.toMatchObject({
      code: "KEYRING_FAILURE",
    });
  });
});
