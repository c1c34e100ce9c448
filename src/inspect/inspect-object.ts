import type { FormatGeneration } from "../codec/content-metadata.js";
import { INSTRUCTION_FILE_SUFFIX, Keys, normalizeMetadata } from "../codec/metadata-keys.js";
import { ALL_S3EC_KEYS, V3_OBJECT_ONLY_KEYS } from "../codec/metadata-rules.js";
import type { ClientSideDetails, DetailsDraft } from "./client-side-details.js";
import { type Finding, FindingCodes, finding, findingsPass } from "./findings.js";
import { guessGeneration } from "./generation.js";
import type { Meta } from "./metadata-values.js";
import { type ObjectInput, readObjectFacts } from "./object-input.js";
import { classifyServerSide, type ServerSideDetails, type ServerSideKind } from "./server-side.js";
import { checkV1, checkV2 } from "./v1-v2-checks.js";
import { checkV3 } from "./v3-checks.js";

/** The result of looking up `<key>.instruction`, when the object's metadata points there. */
export type InstructionFileLookup =
  | { readonly status: "found"; readonly body: Readonly<Record<string, string>> }
  | { readonly status: "missing" }
  | { readonly status: "invalid"; readonly reason: string };

export interface InspectOptions {
  /** Leave out when it was not looked up (e.g. a plain metadata map). */
  readonly instructionFile?: InstructionFileLookup;
}

export interface EncryptionLayers {
  readonly clientSide: FormatGeneration | null;
  readonly serverSide: ServerSideKind | null;
}

export interface Inspection {
  readonly encryption: EncryptionLayers;
  readonly clientSide: ClientSideDetails | null;
  readonly serverSide: ServerSideDetails | null;
  readonly findings: Finding[];
  /** True if no finding is an error. */
  readonly ok: boolean;
  /** The S3EC metadata the checks read: object metadata, merged with the instruction file when used. */
  readonly effectiveMetadata: Readonly<Record<string, string>>;
  readonly contentLength?: number;
}

const INSTRUCTION_NAME = `<key>${INSTRUCTION_FILE_SUFFIX}`;

function s3ecOnly(m: Meta): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ALL_S3EC_KEYS) if (m[k] !== undefined) out[k] = m[k];
  return out;
}

function flagObjectOnlyKeys(instr: Meta, out: Finding[]): void {
  const smuggled = V3_OBJECT_ONLY_KEYS.filter((k) => instr[k] !== undefined);
  /* Precondition: an instruction file must not carry x-amz-c, x-amz-d or x-amz-i. */
  if (smuggled.length > 0) {
    out.push(
      finding(
        FindingCodes.INSTRUCTION_FILE_FORBIDDEN_KEYS,
        "error",
        `${INSTRUCTION_NAME} contains ${smuggled.join(", ")}, which V3 trusts only from object metadata`,
        { fix: "keep x-amz-c, x-amz-d and x-amz-i on the object's metadata (re-upload the object)" },
      ),
    );
  }
}

/** Picks the metadata map to check, reporting instruction-file problems. Undefined = nothing to check. */
function resolveMetadata(
  objectMeta: Meta,
  lookup: InstructionFileLookup | undefined,
  out: Finding[],
): { m: Meta; location: "object" | "instruction-file" } | undefined {
  const guess = guessGeneration(objectMeta);
  if (guess.location === "object") return { m: objectMeta, location: "object" };
  if (lookup?.status === "invalid") {
    /* Precondition: an instruction file is a JSON object of string values. */
    out.push(
      finding(
        FindingCodes.INSTRUCTION_FILE_INVALID,
        "error",
        `${INSTRUCTION_NAME} is unusable: ${lookup.reason}`,
      ),
    );
    return undefined;
  }
  if (guess.location === "v3-instruction-file") {
    /* Precondition: V3 metadata split across object and instruction file needs that file. */
    if (lookup?.status !== "found") {
      out.push(
        finding(
          FindingCodes.INSTRUCTION_FILE_MISSING,
          "error",
          `V3 object metadata (x-amz-c/d/i) without x-amz-3 needs ${INSTRUCTION_NAME}, which ${lookup ? "does not exist" : "was not supplied"}`,
        ),
      );
      return undefined;
    }
    const instr = normalizeMetadata(lookup.body);
    flagObjectOnlyKeys(instr, out);
    const merged: Record<string, string> = { ...instr };
    for (const k of V3_OBJECT_ONLY_KEYS) if (objectMeta[k] !== undefined) merged[k] = objectMeta[k];
    return { m: merged, location: "instruction-file" };
  }
  if (lookup?.status !== "found") {
    /* Precondition: a client-side encrypted object carries S3EC keys in its metadata or an instruction file. */
    out.push(
      finding(
        FindingCodes.NOT_CLIENT_SIDE_ENCRYPTED,
        "error",
        `no S3 client-side encryption metadata (${Keys.KEY_V1}, ${Keys.KEY_V2} or ${Keys.V3_KEY}) on the object` +
          (lookup
            ? ` and no ${INSTRUCTION_NAME}`
            : ` (an instruction file ${INSTRUCTION_NAME}, if any, was not supplied)`),
        { fix: "upload it with s3-cse (or an S3 Encryption Client)" },
      ),
    );
    return undefined;
  }
  const merged: Record<string, string> = { ...normalizeMetadata(lookup.body) };
  flagObjectOnlyKeys(merged, out);
  const length = objectMeta[Keys.UNENCRYPTED_LENGTH];
  if (length !== undefined && merged[Keys.UNENCRYPTED_LENGTH] === undefined) {
    merged[Keys.UNENCRYPTED_LENGTH] = length;
  }
  return { m: merged, location: "instruction-file" };
}

/**
 * Classifies an object's encryption (client-side generation and server-side kind) and reports
 * every metadata inconsistency found, from a HeadObject output or a plain metadata map. Pure:
 * pass the instruction file when the object's metadata points to one.
 */
export function inspectObject(input: ObjectInput, options: InspectOptions = {}): Inspection {
  const facts = readObjectFacts(input);
  const serverSide = classifyServerSide(facts);
  const findings: Finding[] = [];
  const resolved = resolveMetadata(facts.metadata, options.instructionFile, findings);
  let clientSide: ClientSideDetails | null = null;
  let effective: Record<string, string> = s3ecOnly(facts.metadata);
  if (resolved) {
    effective = s3ecOnly(resolved.m);
    const guess = guessGeneration(resolved.m);
    const mixed = guess.present.length > 1;
    /* Precondition: keys exclusive to different format generations must not be mixed. */
    if (mixed) {
      findings.push(
        finding(
          FindingCodes.MIXED_GENERATIONS,
          "error",
          `metadata mixes keys of format generations ${guess.present.join(", ")}; checked as ${guess.generation}`,
          { fix: "remove the keys of the other generation(s), or re-upload the object" },
        ),
      );
    }
    if (guess.generation) {
      const draft: DetailsDraft = { format: guess.generation, metadataLocation: resolved.location };
      const checkInput = { m: resolved.m, contentLength: facts.contentLength, mixed };
      if (guess.generation === "v1") checkV1(checkInput, draft, findings);
      else if (guess.generation === "v2") checkV2(checkInput, draft, findings);
      else checkV3(checkInput, draft, findings);
      if (facts.contentLength !== undefined) draft.ciphertextLength = facts.contentLength;
      if (facts.partCount !== undefined) draft.partCount = facts.partCount;
      clientSide = draft;
    } else {
      findings.push(
        finding(
          FindingCodes.NOT_CLIENT_SIDE_ENCRYPTED,
          "error",
          `${INSTRUCTION_NAME} holds no S3 client-side encryption keys`,
        ),
      );
    }
  }
  return {
    encryption: { clientSide: clientSide?.format ?? null, serverSide: serverSide?.kind ?? null },
    clientSide,
    serverSide,
    findings,
    ok: findingsPass(findings),
    effectiveMetadata: effective,
    ...(facts.contentLength === undefined ? {} : { contentLength: facts.contentLength }),
  };
}
