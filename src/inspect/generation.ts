import type { FormatGeneration } from "../codec/content-metadata.js";
import { Keys } from "../codec/metadata-keys.js";
import { V1_V2_KEYS, V3_KEYS, V3_OBJECT_ONLY_KEYS } from "../codec/metadata-rules.js";
import type { Meta } from "./metadata-values.js";

/** Keys that identify a generation on their own (the codec's mixed-generation rule, docs/formats.md#format-detection). */
const V3_MARKERS: readonly string[] = [Keys.V3_KEY, ...V3_OBJECT_ONLY_KEYS];

export interface GenerationGuess {
  /** The generation the metadata is checked as (codec precedence when mixed: V2, V1, V3). */
  readonly generation: FormatGeneration | null;
  /** Generations whose exclusive keys are present (more than one = mixed). */
  readonly present: readonly FormatGeneration[];
  /**
   * Where the rest of the metadata lives: `object`; `v3-instruction-file` (x-amz-c/d/i without
   * x-amz-3); `instruction-file` (no S3EC keys at all: an instruction file, or not client-side encrypted).
   */
  readonly location: "object" | "v3-instruction-file" | "instruction-file";
}

const has = (m: Meta, k: string) => m[k] !== undefined;

/** Guesses the format generation of (possibly broken) metadata without throwing. */
export function guessGeneration(m: Meta): GenerationGuess {
  const present: FormatGeneration[] = [];
  if (has(m, Keys.KEY_V1)) present.push("v1");
  if (has(m, Keys.KEY_V2)) present.push("v2");
  if (V3_MARKERS.some((k) => has(m, k))) present.push("v3");
  if (present.includes("v2")) return { generation: "v2", present, location: "object" };
  if (present.includes("v1")) return { generation: "v1", present, location: "object" };
  if (present.includes("v3")) {
    const location = has(m, Keys.V3_KEY) ? "object" : "v3-instruction-file";
    return { generation: "v3", present, location };
  }
  // No identifying key, but other V3 keys (x-amz-w, x-amz-t, x-amz-m): a V3 object missing its core keys.
  if (V3_KEYS.some((k) => has(m, k))) return { generation: "v3", present, location: "object" };
  // No key at all, but other V1/V2 keys: a V1/V2 object whose wrapped key is missing.
  if (V1_V2_KEYS.some((k) => has(m, k))) {
    const v2ish = has(m, Keys.WRAP_ALG) || has(m, Keys.CEK_ALG) || has(m, Keys.TAG_LEN);
    return { generation: v2ish ? "v2" : "v1", present, location: "object" };
  }
  return { generation: null, present, location: "instruction-file" };
}
