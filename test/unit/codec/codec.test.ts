import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALG_AES_256_CBC_IV16_NO_KDF,
  ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
} from "../../../src/codec/algorithm-suites.js";
import { decodeBase64 } from "../../../src/codec/base64.js";
import type { ContentMetadata } from "../../../src/codec/content-metadata.js";
import {
  decodeContentMetadata,
  locateContentMetadata,
  parseInstructionFile,
} from "../../../src/codec/decode.js";
import { encodeContentMetadata, splitForInstructionFile } from "../../../src/codec/encode.js";
import { decodeRfc2047, parseStringMap } from "../../../src/codec/json-map.js";
import { ErrorCodes } from "../../../src/errors.js";

const b64 = (n: number) => randomBytes(n).toString("base64");
const v1 = () => ({
  "x-amz-key": b64(184),
  "x-amz-iv": b64(16),
  "x-amz-matdesc": "{}",
  "x-amz-unencrypted-content-length": "42",
});
const v2 = () => ({
  "x-amz-key-v2": b64(184),
  "x-amz-iv": b64(12),
  "x-amz-matdesc": '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding"}',
  "x-amz-wrap-alg": "kms+context",
  "x-amz-cek-alg": "AES/GCM/NoPadding",
  "x-amz-tag-len": "128",
});
const v3 = () => ({
  "x-amz-c": "115",
  "x-amz-3": b64(184),
  "x-amz-w": "12",
  "x-amz-t": '{"aws:x-amz-cek-alg":"115"}',
  "x-amz-d": b64(28),
  "x-amz-i": b64(28),
});

describe("format codec", () => {
  it("decodes the RDS V1 object and encodes it back to exactly the same four keys", () => {
    const meta = v1();
    const cm = decodeContentMetadata(meta);
    expect(cm).toMatchObject({
      format: "v1",
      suite: ALG_AES_256_CBC_IV16_NO_KDF,
      materialsDescription: {},
      unencryptedContentLength: 42,
    });
    expect(encodeContentMetadata(cm)).toEqual(meta);
  });

  it("decodes V2 GCM and V3, and round-trips them", () => {
    const m2 = v2();
    const c2 = decodeContentMetadata(m2);
    expect(c2).toMatchObject({
      format: "v2",
      wrapAlgorithm: "kms+context",
      suite: ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
      tagLengthBits: 128,
    });
    expect(encodeContentMetadata(c2)).toEqual(m2);
    const m3 = v3();
    const c3 = decodeContentMetadata(m3);
    expect(c3).toMatchObject({
      format: "v3",
      wrapAlgorithm: "kms+context",
      suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    });
    expect(encodeContentMetadata(c3)).toEqual(m3);
  });

  it("round-trips random value objects of every generation (property)", () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
    const desc = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== "__proto__"),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        bytes(32),
        bytes(16),
        bytes(28),
        bytes(28),
        desc,
        fc.nat(),
        (g, key, iv, mid, com, md, len) => {
          const cm: ContentMetadata =
            g === 0
              ? {
                  format: "v1",
                  suite: ALG_AES_256_CBC_IV16_NO_KDF,
                  encryptedDataKey: key,
                  iv,
                  materialsDescription: md,
                  unencryptedContentLength: len,
                }
              : g === 1
                ? {
                    format: "v2",
                    suite: ALG_AES_256_GCM_IV12_TAG16_NO_KDF,
                    wrapAlgorithm: "AES/GCM",
                    encryptedDataKey: key,
                    iv: iv.subarray(0, 12),
                    materialsDescription: md,
                    tagLengthBits: 128,
                  }
                : {
                    format: "v3",
                    suite: ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
                    wrapAlgorithm: "RSA-OAEP-SHA1",
                    encryptedDataKey: key,
                    messageId: mid,
                    commitment: com,
                    materialsDescription: md,
                  };
          const back = decodeContentMetadata(encodeContentMetadata(cm));
          expect(encodeContentMetadata(back)).toEqual(encodeContentMetadata(cm));
        },
      ),
    );
  });

  it("accepts the x-amz-meta- prefix and any case, as raw headers carry them", () => {
    const raw = Object.fromEntries(
      Object.entries(v1()).map(([k, v]) => [`X-Amz-Meta-${k.toUpperCase()}`, v]),
    );
    expect(decodeContentMetadata(raw).format).toBe("v1");
  });

  it("Precondition: keys exclusive to different format generations must not be mixed", () => {
    expect(() => decodeContentMetadata({ ...v1(), "x-amz-key-v2": b64(10) })).toThrow(/mixes keys/);
    expect(() => decodeContentMetadata({ ...v2(), "x-amz-3": b64(10) })).toThrow(/mixes keys/);
  });

  it("Precondition: every MUST key of the detected format is present", () => {
    const m = v2() as Record<string, string>;
    delete m["x-amz-wrap-alg"];
    expect(() => decodeContentMetadata(m)).toThrow(/missing required metadata x-amz-wrap-alg/);
    const m3 = v3() as Record<string, string>;
    delete m3["x-amz-w"];
    expect(() => decodeContentMetadata(m3)).toThrow(/missing required metadata x-amz-w/);
  });

  it("Precondition: metadata base64 values must be standard padded base64", () => {
    expect(() => decodeBase64("abc", "x")).toThrow(/not valid base64/);
    expect(() => decodeBase64("ab$d", "x")).toThrow(/not valid base64/);
    expect(decodeBase64("YWJj\nZA==", "x")).toEqual(new Uint8Array(Buffer.from("abcd")));
    expect(() => decodeContentMetadata({ ...v1(), "x-amz-iv": "not base64!!" })).toThrow(
      /x-amz-iv is not valid standard base64/,
    );
  });

  it("Precondition: the IV length matches the content algorithm", () => {
    expect(() => decodeContentMetadata({ ...v1(), "x-amz-iv": b64(12) })).toThrow(
      /x-amz-iv must be 16 bytes \(found 12\)/,
    );
    expect(() => decodeContentMetadata({ ...v2(), "x-amz-iv": b64(16) })).toThrow(
      /x-amz-iv must be 12 bytes \(found 16\)/,
    );
  });

  it("Precondition: V2 GCM objects carry x-amz-tag-len = 128", () => {
    expect(() => decodeContentMetadata({ ...v2(), "x-amz-tag-len": "96" })).toThrow(
      /x-amz-tag-len must be "128"/,
    );
  });

  it("Precondition: V2 CBC objects carry no x-amz-tag-len or an empty one", () => {
    const cbc = {
      ...v2(),
      "x-amz-cek-alg": "AES/CBC/PKCS5Padding",
      "x-amz-iv": b64(16),
      "x-amz-wrap-alg": "kms",
    };
    expect(decodeContentMetadata({ ...cbc, "x-amz-tag-len": undefined } as never).format).toBe("v2");
    expect(decodeContentMetadata({ ...cbc, "x-amz-tag-len": "" }).format).toBe("v2");
    expect(() => decodeContentMetadata(cbc)).toThrow(/must be "" \(empty\) or absent/);
  });

  it("Precondition: V2 content algorithm is AES/GCM/NoPadding or AES/CBC/PKCS5Padding", () => {
    expect(() => decodeContentMetadata({ ...v2(), "x-amz-cek-alg": "AES/CTR/NoPadding" })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNSUPPORTED_FORMAT }),
    );
  });

  it("Precondition: V2 wrap algorithm is one the S3 Encryption Clients define", () => {
    expect(() => decodeContentMetadata({ ...v2(), "x-amz-wrap-alg": "rot13" })).toThrow(
      /unsupported x-amz-wrap-alg/,
    );
  });

  it('Precondition: V3 x-amz-c is "115"; x-amz-w is 02, 12 or 22; message id and commitment are 28 bytes', () => {
    expect(() => decodeContentMetadata({ ...v3(), "x-amz-c": "114" })).toThrow(/unsupported x-amz-c/);
    expect(() => decodeContentMetadata({ ...v3(), "x-amz-w": "99" })).toThrow(/unsupported x-amz-w/);
    expect(() => decodeContentMetadata({ ...v3(), "x-amz-d": b64(27) })).toThrow(/x-amz-d must be 28 bytes/);
  });

  it("Precondition: x-amz-unencrypted-content-length is a non-negative decimal integer", () => {
    expect(() => decodeContentMetadata({ ...v1(), "x-amz-unencrypted-content-length": "-1" })).toThrow(
      /decimal integer/,
    );
    expect(() => decodeContentMetadata({ ...v1(), "x-amz-unencrypted-content-length": "1e3" })).toThrow(
      /decimal integer/,
    );
  });

  it("Precondition: a material description is a JSON object of string values", () => {
    expect(parseStringMap('{"a": "b"}', "m")).toEqual({ a: "b" });
    expect(() => parseStringMap("[1]", "m")).toThrow(/JSON object of strings/);
    expect(() => parseStringMap('{"a":1}', "m")).toThrow(/"a" must be a string/);
    expect(() => parseStringMap("{", "m")).toThrow(/not valid JSON/);
  });

  it("undoes RFC 2047 double encoding (B and Q words)", () => {
    expect(decodeRfc2047("=?UTF-8?B?eyJrIjoiw6kifQ==?=")).toBe('{"k":"é"}');
    expect(decodeRfc2047("=?UTF-8?Q?caf=C3=A9_au_lait?=")).toBe("café au lait");
    expect(decodeRfc2047("plain")).toBe("plain");
    expect(
      decodeContentMetadata({ ...v1(), "x-amz-matdesc": "=?UTF-8?B?eyJrIjoiw6kifQ==?=" })
        .materialsDescription,
    ).toEqual({ k: "é" });
  });

  it("locates metadata in the object, a V3 instruction file, or a V1/V2 instruction file", () => {
    expect(locateContentMetadata(v1())).toEqual({ kind: "object", generation: "v1" });
    const { objectMetadata, instructionFile } = splitForInstructionFile(decodeContentMetadata(v3()));
    expect(Object.keys(objectMetadata).sort()).toEqual(["x-amz-c", "x-amz-d", "x-amz-i"]);
    expect(locateContentMetadata(objectMetadata)).toEqual({ kind: "v3-instruction-file" });
    expect(decodeContentMetadata(objectMetadata, instructionFile).format).toBe("v3");
    expect(locateContentMetadata({})).toEqual({ kind: "instruction-file" });
  });

  it("Precondition: an instruction file must not carry x-amz-c, x-amz-d or x-amz-i (V3 split)", () => {
    const { objectMetadata, instructionFile } = splitForInstructionFile(decodeContentMetadata(v3()));
    expect(() => decodeContentMetadata(objectMetadata, { ...instructionFile, "x-amz-d": b64(28) })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS,
        message: expect.stringMatching(/must not contain x-amz-d/),
      }),
    );
  });

  it("Precondition: an instruction file carries only keys of the S3EC vocabulary", () => {
    const { objectMetadata, instructionFile } = splitForInstructionFile(decodeContentMetadata(v3()));
    expect(decodeContentMetadata(objectMetadata, instructionFile).format).toBe("v3");
    expect(() =>
      decodeContentMetadata(objectMetadata, { ...instructionFile, "x-amz-surprise": "1" }),
    ).toThrow(
      expect.objectContaining({
        code: ErrorCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS,
        message: expect.stringMatching(/no S3 Encryption Client format defines: x-amz-surprise/),
      }),
    );
  });

  it("Precondition: an instruction file must not carry x-amz-c, x-amz-d or x-amz-i (whole V3 map in the instruction file)", () => {
    // The object carries no S3EC keys; every V3 key, commitment included, sits in <key>.instruction.
    const all = encodeContentMetadata(decodeContentMetadata(v3()));
    expect(locateContentMetadata({})).toEqual({ kind: "instruction-file" });
    const { "x-amz-c": _c, "x-amz-d": _d, "x-amz-i": _i, ...rest } = all;
    for (const k of ["x-amz-c", "x-amz-d", "x-amz-i"]) {
      expect(() => decodeContentMetadata({}, { ...rest, [k]: all[k]! })).toThrow(
        expect.objectContaining({ code: ErrorCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS }),
      );
    }
    expect(() => decodeContentMetadata({}, all)).toThrow(
      expect.objectContaining({
        code: ErrorCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS,
        message: expect.stringMatching(/x-amz-c, x-amz-d, x-amz-i/),
      }),
    );
  });

  it("Precondition: metadata stored in an instruction file needs that file", () => {
    expect(() => decodeContentMetadata({})).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNSUPPORTED_FORMAT }),
    );
  });

  it("parses instruction files, including the old .NET {EncryptedEnvelopeKey, IV} form", () => {
    const m1 = v1();
    expect(parseInstructionFile(JSON.stringify(m1))).toEqual(m1);
    const dotnet = parseInstructionFile(JSON.stringify({ EncryptedEnvelopeKey: b64(48), IV: b64(16) }));
    expect(decodeContentMetadata({}, dotnet).format).toBe("v1");
    expect(() => parseInstructionFile("[]")).toThrow(/JSON object/);
  });
});
