import { describe, expect, it } from "vitest";
import { decodeContentMetadata } from "../../../src/codec/decode.js";
import { decodeS3MetadataValue, parseStringMap } from "../../../src/codec/json-map.js";
import { ErrorCodes } from "../../../src/errors.js";

/** What S3 returns for a UTF-8 header value: its bytes read as ISO-8859-1, re-encoded as an RFC 2047 B-word. */
function s3DoubleEncode(original: string): string {
  const latin1 = Buffer.from(original, "utf8").toString("latin1");
  return `=?UTF-8?B?${Buffer.from(latin1, "utf8").toString("base64")}?=`;
}

describe("S3 metadata double encoding (RFC 2047), as Java's decodeS3CustomEncoding", () => {
  it("recovers non-ASCII material descriptions", () => {
    for (const original of ['{"name":"café"}', '{"city":"Zürich","jp":"日本"}', '{"k":"€ and ü"}']) {
      const encoded = s3DoubleEncode(original);
      expect(decodeS3MetadataValue(encoded)).toBe(original);
      expect(parseStringMap(encoded, "x-amz-matdesc")).toEqual(JSON.parse(original));
    }
  });

  it("joins adjacent encoded words and keeps ASCII text around them", () => {
    const a = s3DoubleEncode('{"a":"ä');
    const b = s3DoubleEncode('ö"}');
    expect(decodeS3MetadataValue(`${a} ${b}`)).toBe('{"a":"äö"}');
  });

  it("decodes Q-encoded words", () => {
    // "é" as UTF-8 (C3 A9), read as Latin-1 ("Ã©"), re-encoded as UTF-8: C3 83 C2 A9.
    expect(decodeS3MetadataValue("=?UTF-8?Q?caf=C3=83=C2=A9?=")).toBe("café");
  });

  it("leaves plain values and values without encoded words untouched", () => {
    expect(decodeS3MetadataValue('{"kms_cmk_id":"alias/x"}')).toBe('{"kms_cmk_id":"alias/x"}');
    expect(decodeS3MetadataValue("Ã©")).toBe("Ã©");
  });

  it("decodes a V2 kms+context object whose context S3 double-encoded", () => {
    const cm = decodeContentMetadata({
      "x-amz-key-v2": "AQID",
      "x-amz-iv": "dqqlq2dRVSQ5hFRb",
      "x-amz-matdesc": s3DoubleEncode('{"aws:x-amz-cek-alg":"AES/GCM/NoPadding","owner":"José"}'),
      "x-amz-wrap-alg": "kms+context",
      "x-amz-cek-alg": "AES/GCM/NoPadding",
      "x-amz-tag-len": "128",
    });
    expect(cm.materialsDescription.owner).toBe("José");
  });
});

describe("V2 x-amz-tag-len (Go reads objects without it; Java requires it)", () => {
  const base = {
    "x-amz-key-v2": "AQID",
    "x-amz-iv": "dqqlq2dRVSQ5hFRb",
    "x-amz-wrap-alg": "kms+context",
    "x-amz-cek-alg": "AES/GCM/NoPadding",
  };
  it("Precondition: V2 GCM objects carry no x-amz-tag-len or x-amz-tag-len = 128", () => {
    expect(decodeContentMetadata(base).format).toBe("v2");
    expect(decodeContentMetadata({ ...base, "x-amz-tag-len": "128" }).format).toBe("v2");
    expect(() => decodeContentMetadata({ ...base, "x-amz-tag-len": "96" })).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_METADATA }),
    );
  });
});
