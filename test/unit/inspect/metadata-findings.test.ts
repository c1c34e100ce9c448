import { describe, expect, it } from "vitest";
import { type FindingCode, FindingCodes } from "../../../src/inspect/findings.js";
import { type InspectOptions, inspectObject } from "../../../src/inspect/inspect-object.js";
import {
  cbcLength,
  v1Metadata,
  v2CbcKmsMetadata,
  v2GcmMetadata,
  v3AesGcmMetadata,
  v3KmsMetadata,
} from "../../support/metadata.js";

type Meta = Record<string, string>;

function without(m: Meta, ...keys: string[]): Meta {
  const out = { ...m };
  for (const k of keys) delete out[k];
  return out;
}

/** Inspects and returns the one finding with `code` (failing if there is not exactly one). */
function only(code: FindingCode, meta: Meta, contentLength?: number, options?: InspectOptions) {
  const i = inspectObject(
    { Metadata: meta, ...(contentLength === undefined ? {} : { ContentLength: contentLength }) },
    options,
  );
  const hits = i.findings.filter((f) => f.code === code);
  expect(hits, JSON.stringify(i.findings)).toHaveLength(1);
  return { finding: hits[0]!, inspection: i };
}

describe("metadata findings", () => {
  it("keys exclusive to different format generations must not be mixed", () => {
    const { finding, inspection } = only(FindingCodes.MIXED_GENERATIONS, {
      ...v1Metadata(),
      "x-amz-key-v2": v2GcmMetadata()["x-amz-key-v2"]!,
    });
    expect(finding.severity).toBe("error");
    expect(finding.message).toContain("v1, v2");
    expect(inspection.encryption.clientSide).toBe("v2");
  });

  it("every required key of the detected format is present (V1 x-amz-iv, V2 x-amz-cek-alg, V3 x-amz-d)", () => {
    expect(only(FindingCodes.MISSING_KEY, without(v1Metadata(), "x-amz-iv")).finding).toMatchObject({
      key: "x-amz-iv",
      severity: "error",
    });
    expect(only(FindingCodes.MISSING_KEY, without(v2GcmMetadata(), "x-amz-cek-alg")).finding.key).toBe(
      "x-amz-cek-alg",
    );
    expect(only(FindingCodes.MISSING_KEY, without(v3KmsMetadata(), "x-amz-d")).finding.key).toBe("x-amz-d");
    // A V1 object without its wrapped key is still recognised as V1.
    const noKey = only(FindingCodes.MISSING_KEY, without(v1Metadata(), "x-amz-key"));
    expect(noKey.inspection.encryption.clientSide).toBe("v1");
    // matdesc defaults to {}: a warning, not an error.
    expect(only(FindingCodes.MISSING_KEY, without(v1Metadata(), "x-amz-matdesc")).finding.severity).toBe(
      "warning",
    );
  });

  it("no key that the detected format does not define is present", () => {
    expect(only(FindingCodes.EXTRA_KEY, { ...v1Metadata(), "x-amz-tag-len": "128" }).finding).toMatchObject({
      key: "x-amz-tag-len",
      severity: "warning",
    });
    expect(
      only(FindingCodes.EXTRA_KEY, { ...v3KmsMetadata(), "x-amz-iv": "AAAAAAAAAAAAAAAA" }).finding.key,
    ).toBe("x-amz-iv");
    expect(only(FindingCodes.EXTRA_KEY, { ...v3KmsMetadata(), "x-amz-m": "{}" }).finding.key).toBe("x-amz-m");
  });

  it("V2 CBC objects carry no x-amz-tag-len or an empty one", () => {
    const { finding } = only(FindingCodes.TAG_LENGTH, { ...v2CbcKmsMetadata(), "x-amz-tag-len": "128" });
    expect(finding).toMatchObject({ key: "x-amz-tag-len", severity: "error" });
    const empty = inspectObject({ Metadata: { ...v2CbcKmsMetadata(), "x-amz-tag-len": "" } });
    expect(empty.findings.filter((f) => f.severity !== "info")).toEqual([]);
  });

  it("base64 metadata values are standard padded base64", () => {
    const { finding } = only(FindingCodes.INVALID_BASE64, { ...v1Metadata(), "x-amz-iv": "not base64!" });
    expect(finding).toMatchObject({ key: "x-amz-iv", severity: "error" });
    only(FindingCodes.INVALID_BASE64, { ...v2GcmMetadata(), "x-amz-key-v2": "abc" });
  });

  it("base64 metadata values are encoded once, not twice", () => {
    const m = v1Metadata();
    const twice = Buffer.from(m["x-amz-key"]!).toString("base64");
    expect(only(FindingCodes.DOUBLE_BASE64, { ...m, "x-amz-key": twice }).finding.key).toBe("x-amz-key");
  });

  it("the IV length matches the content algorithm", () => {
    const { finding } = only(FindingCodes.IV_LENGTH, {
      ...v2GcmMetadata(),
      "x-amz-iv": Buffer.alloc(16, 9).toString("base64"),
    });
    expect(finding.message).toBe("x-amz-iv must be 12 bytes (found 16)");
    only(FindingCodes.IV_LENGTH, { ...v1Metadata(), "x-amz-iv": Buffer.alloc(12, 9).toString("base64") });
  });

  it("V2 GCM objects carry x-amz-tag-len = 128", () => {
    expect(
      only(FindingCodes.TAG_LENGTH, { ...v2GcmMetadata(), "x-amz-tag-len": "96" }).finding.message,
    ).toContain('"96"');
    // Missing is what the Go clients write: readable (the decoder accepts it), so only a warning.
    const missing = only(FindingCodes.MISSING_KEY, without(v2GcmMetadata(), "x-amz-tag-len"));
    expect(missing.finding).toMatchObject({ key: "x-amz-tag-len", severity: "warning" });
    expect(missing.inspection.ok).toBe(true);
  });

  it("CBC ciphertext is a non-zero whole number of 16-byte blocks", () => {
    only(FindingCodes.CIPHERTEXT_LENGTH, without(v1Metadata(), "x-amz-unencrypted-content-length"), 100);
    only(FindingCodes.CIPHERTEXT_LENGTH, without(v1Metadata(), "x-amz-unencrypted-content-length"), 0);
  });

  it("GCM ciphertext holds at least the 16-byte tag", () => {
    only(FindingCodes.CIPHERTEXT_LENGTH, v3KmsMetadata(), 15);
  });

  it("the ciphertext length equals the one the algorithm implies for the stated plaintext length", () => {
    const cbc = only(FindingCodes.CIPHERTEXT_LENGTH, v1Metadata(100), cbcLength(100) + 16).finding;
    expect(cbc.message).toBe(
      "object is 128 bytes but x-amz-unencrypted-content-length = 100 implies 112 (padded to the next 16-byte block)",
    );
    const gcm = only(FindingCodes.CIPHERTEXT_LENGTH, v2GcmMetadata(100), 100).finding;
    expect(gcm.message).toContain("implies 116 (plus the 16-byte tag)");
  });

  it("x-amz-unencrypted-content-length is a non-negative decimal integer", () => {
    only(FindingCodes.INVALID_UNENCRYPTED_LENGTH, {
      ...v1Metadata(),
      "x-amz-unencrypted-content-length": "-1",
    });
  });

  it("JSON metadata values are a JSON object of string values", () => {
    only(FindingCodes.INVALID_MATDESC, { ...v1Metadata(), "x-amz-matdesc": "{not json" });
    only(FindingCodes.INVALID_MATDESC, { ...v3KmsMetadata(), "x-amz-t": '{"a":1}' });
  });

  it("JSON metadata values are a JSON object, not a JSON string holding one", () => {
    const { finding } = only(FindingCodes.MATDESC_DOUBLE_ENCODED, {
      ...v1Metadata(),
      "x-amz-matdesc": '"{}"',
    });
    expect(finding.key).toBe("x-amz-matdesc");
  });

  it("JSON metadata values are US-ASCII, not RFC 2047 encoded by S3", () => {
    const encoded = `=?UTF-8?B?${Buffer.from('{"kek":"clé"}').toString("base64")}?=`;
    const { finding, inspection } = only(FindingCodes.RFC2047_ENCODED, {
      ...v3AesGcmMetadata(),
      "x-amz-m": encoded,
    });
    expect(finding.severity).toBe("warning");
    expect(inspection.clientSide?.materialsDescription).toEqual({ kek: "clé" });
  });

  it("V2 content algorithm is AES/GCM/NoPadding or AES/CBC/PKCS5Padding", () => {
    only(FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM, {
      ...v2GcmMetadata(),
      "x-amz-cek-alg": "AES/CTR/NoPadding",
    });
  });

  it("a V1 object's content algorithm, when named, is CBC", () => {
    only(FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM, {
      ...v1Metadata(),
      "x-amz-cek-alg": "AES/GCM/NoPadding",
    });
  });

  it('V3 x-amz-c is "115"', () => {
    only(FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM, { ...v3KmsMetadata(), "x-amz-c": "114" });
  });

  it("V2 wrap algorithm is one the S3 Encryption Clients define", () => {
    only(FindingCodes.UNSUPPORTED_WRAP_ALGORITHM, { ...v2GcmMetadata(), "x-amz-wrap-alg": "kms+ctx" });
  });

  it("V3 x-amz-w is 02, 12 or 22", () => {
    only(FindingCodes.UNSUPPORTED_WRAP_ALGORITHM, { ...v3KmsMetadata(), "x-amz-w": "13" });
  });

  it("raw AES-wrapped data keys have the wrap's fixed length", () => {
    const short = Buffer.alloc(40, 7).toString("base64");
    only(FindingCodes.WRAPPED_KEY_LENGTH, { ...v3AesGcmMetadata(), "x-amz-3": short });
    only(FindingCodes.WRAPPED_KEY_LENGTH, {
      ...v2GcmMetadata(),
      "x-amz-wrap-alg": "AES/GCM",
      "x-amz-matdesc": "{}",
    });
  });

  it("V3 message id and commitment are 28 bytes each", () => {
    const b27 = Buffer.alloc(27, 3).toString("base64");
    only(FindingCodes.MESSAGE_ID_LENGTH, { ...v3KmsMetadata(), "x-amz-i": b27 });
    only(FindingCodes.COMMITMENT_LENGTH, { ...v3KmsMetadata(), "x-amz-d": b27 });
  });

  it("a kms+context encryption context names the object's content algorithm", () => {
    only(FindingCodes.CONTEXT_ALGORITHM_MISMATCH, { ...v2GcmMetadata(), "x-amz-matdesc": '{"team":"db"}' });
    only(FindingCodes.CONTEXT_ALGORITHM_MISMATCH, {
      ...v3KmsMetadata(),
      "x-amz-t": '{"aws:x-amz-cek-alg":"AES/GCM/NoPadding"}',
    });
  });

  it("an instruction file must not carry x-amz-c, x-amz-d or x-amz-i (whole V3 map in the instruction file)", () => {
    const { inspection } = only(FindingCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS, {}, undefined, {
      instructionFile: { status: "found", body: v3KmsMetadata() },
    });
    expect(inspection.ok).toBe(false);
  });

  it("an instruction file must not carry x-amz-c, x-amz-d or x-amz-i (V3 split)", () => {
    const all = v3KmsMetadata();
    const obj = { "x-amz-c": all["x-amz-c"]!, "x-amz-d": all["x-amz-d"]!, "x-amz-i": all["x-amz-i"]! };
    const body = without(all, "x-amz-c");
    only(FindingCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS, obj, undefined, {
      instructionFile: { status: "found", body },
    });
  });

  it("V3 metadata split across object and instruction file needs that file", () => {
    const all = v3KmsMetadata();
    const obj = { "x-amz-c": all["x-amz-c"]!, "x-amz-d": all["x-amz-d"]!, "x-amz-i": all["x-amz-i"]! };
    const { inspection } = only(FindingCodes.INSTRUCTION_FILE_MISSING, obj, undefined, {
      instructionFile: { status: "missing" },
    });
    expect(inspection.ok).toBe(false);
    only(FindingCodes.INSTRUCTION_FILE_MISSING, obj);
  });

  it("an instruction file is a JSON object of string values", () => {
    const { finding } = only(FindingCodes.INSTRUCTION_FILE_INVALID, {}, undefined, {
      instructionFile: { status: "invalid", reason: "instruction file is not valid JSON" },
    });
    expect(finding.message).toContain("not valid JSON");
  });

  it("an instruction file without S3EC keys is reported as not client-side encrypted", () => {
    only(FindingCodes.NOT_CLIENT_SIDE_ENCRYPTED, {}, undefined, {
      instructionFile: { status: "found", body: { owner: "me" } },
    });
  });
});
