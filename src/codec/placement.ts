/**
 * Where an upload's encryption metadata goes (docs/formats.md#instruction-files): on the object, or split into an
 * instruction file (`<key>.instruction`, marked with user metadata `x-amz-crypto-instr-file: ""`).
 * V1/V2 objects keep only `x-amz-unencrypted-content-length`; V3 objects keep `x-amz-c/d/i`.
 * Pure: the transfer layer PUTs what this returns.
 */
import { UsageError } from "../errors.js";
import type { ContentMetadata } from "./content-metadata.js";
import { encodeContentMetadata, splitForInstructionFile } from "./encode.js";

/** Where an upload stores its encryption metadata. */
export type MetadataPlacement = "object" | "instruction-file";

export interface PlacedMetadata {
  /** User metadata of the data object. */
  readonly objectMetadata: Record<string, string>;
  /** The instruction file's entries, in instruction-file mode. */
  readonly instructionFile?: Record<string, string>;
}

/** Encodes the metadata (with the plaintext length for V1/V2, when known) and places it. */
export function placeContentMetadata(
  cm: ContentMetadata,
  plaintextLength: number | undefined,
  placement: MetadataPlacement,
): PlacedMetadata {
  const full =
    cm.format === "v3" || plaintextLength === undefined
      ? cm
      : { ...cm, unencryptedContentLength: plaintextLength };
  if (placement === "object") return { objectMetadata: encodeContentMetadata(full) };
  const { objectMetadata, instructionFile } = splitForInstructionFile(full);
  return { objectMetadata, instructionFile };
}

/* Precondition: the rds format keeps its metadata on the object (RDS does not read instruction files). */
export function assertPlacementAllowed(format: string, placement: MetadataPlacement): void {
  if (format === "rds" && placement === "instruction-file") {
    throw new UsageError(
      "the rds format keeps its encryption metadata on the object: RDS restores do not read instruction files",
    );
  }
}
