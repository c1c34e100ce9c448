import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeContentMetadata, parseInstructionFile } from "../../../src/codec/decode.js";
import {
  ALL_S3EC_KEYS,
  checkKeyValue,
  checkRules,
  METADATA_RULES,
  rulesFor,
  V3_OBJECT_ONLY_KEYS,
} from "../../../src/codec/metadata-rules.js";
import { isS3CseError } from "../../../src/errors.js";
import { inspectObject } from "../../../src/inspect/inspect-object.js";
import { v1Metadata, v2GcmMetadata, v3KmsMetadata } from "../../support/metadata.js";

interface Vector {
  id: string;
  metadata: Record<string, string>;
  instructionFile?: string;
  body: { encoding: "hex" | "base64" | "utf8"; value: string };
  expected: { outcome: "plaintext" } | { outcome: "error"; code: string };
}
const manifest = JSON.parse(
  readFileSync(new URL("../../../fixtures/vectors/manifest.json", import.meta.url), "utf8"),
) as { vectors: Vector[] };

/** Metadata verdict of the decoder: decodes, or the error code it throws. */
function decoderVerdict(v: Vector): { ok: boolean; code?: string } {
  try {
    const instr = v.instructionFile === undefined ? undefined : parseInstructionFile(v.instructionFile);
    decodeContentMetadata(v.metadata, instr);
    return { ok: true };
  } catch (err) {
    return { ok: false, code: isS3CseError(err) ? err.code : String(err) };
  }
}

function verifierVerdict(v: Vector) {
  const body = Buffer.from(v.body.value, v.body.encoding);
  return inspectObject(
    { Metadata: v.metadata, ContentLength: body.length },
    v.instructionFile === undefined
      ? {}
      : { instructionFile: { status: "found", body: parseInstructionFile(v.instructionFile) } },
  );
}

/** Errors that are not about metadata (policy, authentication): the metadata itself is valid. */
const NOT_METADATA = new Set(["LEGACY_MODE_REQUIRED", "COMMITMENT_POLICY", "AUTHENTICATION_FAILED"]);

describe("one rulebook: every published vector gets the same verdict from the decoder and the verifier", () => {
  it("covers every vector of fixtures/vectors/manifest.json", () => {
    expect(manifest.vectors.length).toBeGreaterThanOrEqual(14);
  });
  for (const v of manifest.vectors) {
    it(`${v.id}: decoder and verifier agree`, () => {
      const decoded = decoderVerdict(v);
      const inspected = verifierVerdict(v);
      const errors = inspected.findings.filter((f) => f.severity === "error");
      expect(inspected.ok, JSON.stringify(errors)).toBe(decoded.ok);
      // And both agree with what the vector says a reader does.
      const metadataValid = v.expected.outcome === "plaintext" || NOT_METADATA.has(v.expected.code);
      expect(decoded.ok, JSON.stringify(decoded)).toBe(metadataValid);
      if (!decoded.ok && v.expected.outcome === "error") expect(decoded.code).toBe(v.expected.code);
    });
  }
});

describe("the metadata rule table", () => {
  it("names every key of each generation with its presence and where it may live", () => {
    for (const rule of [
      ...METADATA_RULES.v1,
      ...Object.values(METADATA_RULES.v2).flat(),
      ...Object.values(METADATA_RULES.v3).flat(),
    ]) {
      expect(ALL_S3EC_KEYS).toContain(rule.key);
      expect(["required", "recommended", "optional"]).toContain(rule.presence);
    }
    expect([...V3_OBJECT_ONLY_KEYS].sort()).toEqual(["x-amz-c", "x-amz-d", "x-amz-i"]);
    expect(rulesFor("v2", { cipher: "gcm" }).find((r) => r.key === "x-amz-tag-len")).toMatchObject({
      presence: "recommended",
      values: ["128"],
    });
    expect(rulesFor("v2", { cipher: "cbc" }).find((r) => r.key === "x-amz-tag-len")?.values).toEqual([""]);
    expect(rulesFor("v3", { v3WrapCode: "12" }).map((r) => r.key)).toContain("x-amz-t");
    expect(rulesFor("v3", { v3WrapCode: "02" }).map((r) => r.key)).toContain("x-amz-m");
  });

  it("Precondition: an enumerated metadata value is one the rule table allows", () => {
    const wrap = rulesFor("v2").find((r) => r.key === "x-amz-wrap-alg")!;
    expect(checkKeyValue(wrap, "kms+context")).toBeUndefined();
    expect(checkKeyValue(wrap, "kms+ctx")).toMatchObject({
      problem: "value",
      message: /unsupported x-amz-wrap-alg/,
    });
    const tag = rulesFor("v2", { cipher: "gcm" }).find((r) => r.key === "x-amz-tag-len")!;
    expect(checkKeyValue(tag, "96")?.message).toBe('x-amz-tag-len must be "128" or absent (found "96")');
  });

  it("Precondition: x-amz-unencrypted-content-length is a non-negative decimal integer", () => {
    const rule = rulesFor("v1").find((r) => r.key === "x-amz-unencrypted-content-length")!;
    expect(checkKeyValue(rule, "100")).toBeUndefined();
    for (const bad of ["-1", "1e3", "", "12345678901234567890"])
      expect(checkKeyValue(rule, bad)?.problem).toBe("value");
  });

  it("Precondition: base64 metadata values are standard padded base64", () => {
    const rule = rulesFor("v1").find((r) => r.key === "x-amz-iv")!;
    expect(checkKeyValue(rule, "not base64!")?.problem).toBe("base64");
  });

  it("Precondition: fixed-length base64 values (IV, V3 message id and commitment) have their length", () => {
    const d = rulesFor("v3").find((r) => r.key === "x-amz-d")!;
    expect(checkKeyValue(d, Buffer.alloc(27).toString("base64"))).toMatchObject({
      problem: "length",
      message: "x-amz-d must be 28 bytes (found 27)",
    });
    const iv = rulesFor("v2", { cipher: "gcm" }).find((r) => r.key === "x-amz-iv")!;
    expect(checkKeyValue(iv, Buffer.alloc(12).toString("base64"))).toBeUndefined();
  });

  it("Precondition: every required key of the detected format is present", () => {
    const m = { ...v3KmsMetadata() };
    delete m["x-amz-w"];
    delete m["x-amz-t"];
    expect(
      checkRules(rulesFor("v3", { v3WrapCode: "12" }), m).map((v) => [v.rule.key, v.rule.presence]),
    ).toEqual([
      ["x-amz-w", "required"],
      ["x-amz-t", "recommended"],
    ]);
    expect(checkRules(rulesFor("v1"), v1Metadata())).toEqual([]);
    expect(checkRules(rulesFor("v2", { cipher: "gcm" }), v2GcmMetadata())).toEqual([]);
  });

  it("the decoder and the verifier report the same violation message", () => {
    const m = { ...v2GcmMetadata(), "x-amz-tag-len": "64" };
    let thrown = "";
    try {
      decodeContentMetadata(m);
    } catch (err) {
      thrown = (err as Error).message;
    }
    const found = inspectObject({ Metadata: m }).findings.find((f) => f.code === "TAG_LENGTH");
    expect(found?.message).toBe(thrown);
  });
});
