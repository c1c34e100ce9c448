/**
 * Property tests over every format and keyring:
 * - decrypt(encrypt(x)) = x for random sizes and chunkings (written formats, and the legacy wraps s3-cse reads);
 * - any single-byte change of a V2/V3 object's body, tag, IV, wrapped key, message id, commitment or
 *   KMS context is refused with a SecurityError or KeyringError, and the pipeline emits no plaintext.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyringError, SecurityError } from "../../../src/errors.js";
import type { Keyring } from "../../../src/materials/keyring.js";
import { KmsKeyring } from "../../../src/materials/kms-keyring.js";
import type { WriteFormat } from "../../../src/materials/materials.js";
import { RawAesKeyring } from "../../../src/materials/raw-aes-keyring.js";
import { RawRsaKeyring } from "../../../src/materials/raw-rsa-keyring.js";
import { encryptObject } from "../../support/envelope.js";
import { statefulFakeKms } from "../../support/kms-doubles.js";
import { cbcObject, gcmObject } from "../../support/legacy-objects.js";
import {
  aesEcbWrap,
  aesKeyWrap,
  rsaOaepSha256Mgf1Sha1Wrap,
  rsaPkcs1Wrap,
} from "../../support/legacy-writers.js";
import { decryptViaPipeline } from "../../support/pipeline-decrypt.js";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const kek = randomBytes(32);
const keyrings: Record<string, Keyring> = {
  kms: new KmsKeyring({ client: statefulFakeKms("k1"), keyId: "k1" }),
  aes: new RawAesKeyring({ key: kek }),
  rsa: new RawRsaKeyring({ publicKey: rsa.publicKey, privateKey: rsa.privateKey }),
};
const legacy = { allowLegacy: true };
const relaxed = { commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" as const };
const readOptions = (format: WriteFormat) => (format === "v3" ? {} : format === "v2" ? relaxed : legacy);
const written: [WriteFormat, string][] = [
  ["v3", "kms"],
  ["v3", "aes"],
  ["v3", "rsa"],
  ["v2", "kms"],
  ["v2", "aes"],
  ["v2", "rsa"],
  ["rds", "kms"],
];
const plaintext = fc.uint8Array({ minLength: 0, maxLength: 3000 }).map((a) => Buffer.from(a));
const chunk = fc.integer({ min: 1, max: 700 });

describe("round trip: decrypt(encrypt(x)) = x", () => {
  for (const [format, name] of written) {
    it(`${format} with the ${name} keyring, random sizes and chunkings`, async () => {
      await fc.assert(
        fc.asyncProperty(plaintext, chunk, chunk, async (plain, encChunk, decChunk) => {
          const obj = await encryptObject(format, keyrings[name]!, plain, encChunk);
          const out = await decryptViaPipeline(
            obj.metadata,
            obj.body,
            keyrings[name]!,
            readOptions(format),
            decChunk,
          );
          expect(out.error).toBeUndefined();
          expect(Buffer.concat(out.emitted).equals(plain)).toBe(true);
        }),
        { numRuns: 40 },
      );
    });
  }

  const legacyBuilders: [
    string,
    Keyring,
    (dk: Buffer, p: Buffer) => { metadata: Record<string, string>; body: Buffer },
  ][] = [
    [
      "V1 AES-ECB / CBC",
      keyrings.aes!,
      (dk, p) => cbcObject(dk, p, { "x-amz-key": aesEcbWrap(kek, dk).toString("base64") }),
    ],
    [
      "V1 RSA PKCS#1 / CBC",
      keyrings.rsa!,
      (dk, p) => cbcObject(dk, p, { "x-amz-key": rsaPkcs1Wrap(rsa.publicKey, dk).toString("base64") }),
    ],
    [
      "V2 AESWrap / GCM",
      keyrings.aes!,
      (dk, p) =>
        gcmObject(dk, p, {
          "x-amz-key-v2": aesKeyWrap(kek, dk).toString("base64"),
          "x-amz-wrap-alg": "AESWrap",
        }),
    ],
    [
      "V2 RSA-OAEP-SHA-256 / GCM",
      keyrings.rsa!,
      (dk, p) =>
        gcmObject(dk, p, {
          "x-amz-key-v2": rsaOaepSha256Mgf1Sha1Wrap(rsa.publicKey, dk).toString("base64"),
          "x-amz-wrap-alg": "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
        }),
    ],
  ];
  for (const [name, keyring, build] of legacyBuilders) {
    it(`legacy read: ${name}, random sizes and chunkings`, async () => {
      await fc.assert(
        fc.asyncProperty(plaintext, chunk, async (plain, decChunk) => {
          const obj = build(randomBytes(32), plain);
          const out = await decryptViaPipeline(obj.metadata, obj.body, keyring, legacy, decChunk);
          expect(out.error).toBeUndefined();
          expect(Buffer.concat(out.emitted).equals(plain)).toBe(true);
        }),
        { numRuns: 15 },
      );
    });
  }
});

/** Binary metadata values (base64) and where a single byte may change. */
const BINARY_KEYS: Record<"v2" | "v3", string[]> = {
  v2: ["x-amz-key-v2", "x-amz-iv"],
  v3: ["x-amz-3", "x-amz-i", "x-amz-d"],
};

function flip(buf: Buffer, index: number, xor: number): Buffer {
  const out = Buffer.from(buf);
  out[index % out.length]! ^= xor;
  return out;
}

describe("tampering: one changed byte is refused and no plaintext is emitted", () => {
  const tamperable: [WriteFormat & ("v2" | "v3"), string][] = written.filter(
    (w): w is ["v2" | "v3", string] => w[0] !== "rds",
  );
  for (const [format, name] of tamperable) {
    it(`${format} / ${name}: body, tag, IV, wrapped key, message id, commitment`, async () => {
      const keyring = keyrings[name]!;
      const targets = ["body", "tag", ...BINARY_KEYS[format]];
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 1, maxLength: 600 }).map((a) => Buffer.from(a)),
          fc.constantFrom(...targets),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          chunk,
          async (plain, target, index, xor, decChunk) => {
            const obj = await encryptObject(format, keyring, plain);
            let { body } = obj;
            const metadata = { ...obj.metadata };
            if (target === "body") body = flip(body, index % (body.length - 16), xor);
            else if (target === "tag") body = flip(body, body.length - 16 + (index % 16), xor);
            else
              metadata[target] = flip(Buffer.from(metadata[target]!, "base64"), index, xor).toString(
                "base64",
              );
            const out = await decryptViaPipeline(metadata, body, keyring, readOptions(format), decChunk);
            expect(out.emitted).toHaveLength(0);
            expect(
              out.error instanceof SecurityError || out.error instanceof KeyringError,
              String(out.error),
            ).toBe(true);
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  for (const format of ["v2", "v3"] as const) {
    it(`${format} / kms: a changed character in the stored encryption context`, async () => {
      const keyring = keyrings.kms!;
      const ctxKey = format === "v3" ? "x-amz-t" : "x-amz-matdesc";
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 25 }), async (index, shift) => {
          const obj = await encryptObject(format, keyring, Buffer.from("context-bound"), 64, {
            tenant: "alpha",
            app: "x",
          });
          const json = obj.metadata[ctxKey]!;
          // Change one letter inside the JSON (keys and values), keeping it valid JSON.
          const letters = [...json.matchAll(/[a-z]/g)].map((m) => m.index ?? 0);
          const at = letters[index % letters.length]!;
          const changed = String.fromCharCode(((json.charCodeAt(at) - 97 + shift) % 26) + 97);
          const metadata = { ...obj.metadata, [ctxKey]: json.slice(0, at) + changed + json.slice(at + 1) };
          const out = await decryptViaPipeline(metadata, obj.body, keyring, readOptions(format), 16, {
            tenant: "alpha",
            app: "x",
          });
          expect(out.emitted).toHaveLength(0);
          expect(
            out.error instanceof SecurityError || out.error instanceof KeyringError,
            String(out.error),
          ).toBe(true);
        }),
        { numRuns: 40 },
      );
    });
  }
});
