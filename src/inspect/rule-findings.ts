/**
 * Turns the codec's rule table (src/codec/metadata-rules.ts) into findings: the verifier does not
 * re-implement what a valid object is, it reports every violation the decoder would stop at.
 */
import type { StringMap } from "../codec/json-map.js";
import {
  checkRules,
  type KeyConcern,
  type KeyRule,
  type RuleViolation,
  undefinedKeys,
} from "../codec/metadata-rules.js";
import { type Finding, type FindingCode, FindingCodes, finding } from "./findings.js";
import { checkBase64, checkStringMap, flagExtraKeys, type Meta } from "./metadata-values.js";

const VALUE_CODES: Partial<Record<KeyConcern, FindingCode>> = {
  "content-algorithm": FindingCodes.UNSUPPORTED_CONTENT_ALGORITHM,
  "wrap-algorithm": FindingCodes.UNSUPPORTED_WRAP_ALGORITHM,
  "tag-length": FindingCodes.TAG_LENGTH,
  "plaintext-length": FindingCodes.INVALID_UNENCRYPTED_LENGTH,
};
const LENGTH_CODES: Partial<Record<KeyConcern, FindingCode>> = {
  iv: FindingCodes.IV_LENGTH,
  "message-id": FindingCodes.MESSAGE_ID_LENGTH,
  commitment: FindingCodes.COMMITMENT_LENGTH,
};

export interface RuleReport {
  /** Keys whose value broke a rule (or could not be decoded). */
  readonly bad: ReadonlySet<string>;
  /** Decoded base64 values (also those of the wrong length: see `bad`). */
  readonly bytes: ReadonlyMap<string, Uint8Array>;
  /** Parsed JSON maps that are usable. */
  readonly maps: ReadonlyMap<string, StringMap>;
}

export interface ReportOptions {
  /** Keys not to flag as undefined (another generation's keys, already reported as mixed). */
  readonly notExtra?: readonly string[];
  /** The rules to judge undefined keys by, when `rules` is not a complete variant yet. */
  readonly definedBy?: readonly KeyRule[];
}

function violationFinding(v: RuleViolation, what: string): Finding | undefined {
  const { rule } = v;
  const key = rule.key;
  switch (v.problem) {
    case "missing":
      return finding(
        FindingCodes.MISSING_KEY,
        rule.presence === "required" ? "error" : "warning",
        `${what} metadata lacks ${key} (${rule.presence})`,
        { key, ...(rule.note ? { fix: rule.note } : {}) },
      );
    case "value": {
      const code = VALUE_CODES[rule.concern] ?? FindingCodes.INVALID_MATDESC;
      return finding(code, "error", v.message, { key, ...(rule.note ? { fix: rule.note } : {}) });
    }
    case "length":
      return finding(LENGTH_CODES[rule.concern] ?? FindingCodes.WRAPPED_KEY_LENGTH, "error", v.message, {
        key,
      });
    case "base64":
      return undefined; // reported by checkBase64 (with its double-encoding diagnosis)
  }
}

/** Reports every rule violation of `rules` in `m`, and every S3EC key the rules do not define. */
export function reportRules(
  rules: readonly KeyRule[],
  m: Meta,
  what: string,
  out: Finding[],
  options: ReportOptions = {},
): RuleReport {
  const bad = new Set<string>();
  const bytes = new Map<string, Uint8Array>();
  const maps = new Map<string, StringMap>();
  for (const rule of rules) {
    if (m[rule.key] === undefined) continue;
    if (rule.kind === "base64") {
      const decoded = checkBase64(m, rule.key, out);
      if (decoded) bytes.set(rule.key, decoded);
      else bad.add(rule.key);
    } else if (rule.kind === "json-map") {
      const map = checkStringMap(m, rule.key, out);
      if (map) maps.set(rule.key, map);
      else bad.add(rule.key);
    }
  }
  for (const v of checkRules(rules, m)) {
    if (v.problem !== "missing" && bad.has(v.rule.key)) continue; // already reported
    if (v.problem !== "missing") bad.add(v.rule.key);
    const f = violationFinding(v, what);
    if (f) out.push(f);
  }
  const notExtra = new Set(options.notExtra ?? []);
  const extras = undefinedKeys(options.definedBy ?? rules, m).filter((k) => !notExtra.has(k));
  flagExtraKeys(m, extras, what, out);
  return { bad, bytes, maps };
}
