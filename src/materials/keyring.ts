import type { AlgorithmSuite } from "../codec/algorithm-suites.js";
import type { ContentMetadata, FormatGeneration, WrapAlgorithm } from "../codec/content-metadata.js";
import type { StringMap } from "../codec/json-map.js";

/** What the writer asks a keyring for: a fresh data key, wrapped for `format`. */
export interface WrapRequest {
  readonly format: FormatGeneration;
  readonly suite: AlgorithmSuite;
  /** Caller-supplied encryption context (KMS `kms+context` only; raw keyrings ignore it). */
  readonly encryptionContext: StringMap;
  readonly signal?: AbortSignal;
}

export interface WrappedDataKey {
  /** The plaintext 32-byte data key. Never logged, never in an error message. */
  readonly dataKey: Uint8Array;
  readonly encryptedDataKey: Uint8Array;
  /** The V2/V3 wrap algorithm; undefined for V1, whose metadata does not name it. */
  readonly wrapAlgorithm: WrapAlgorithm | undefined;
  /** Goes to `x-amz-matdesc` (V1/V2) or `x-amz-t` / `x-amz-m` (V3). */
  readonly materialsDescription: StringMap;
}

export interface UnwrapRequest {
  readonly metadata: ContentMetadata;
  /** Encryption context the reader expects (compared with the stored one for `kms+context`). */
  readonly encryptionContext: StringMap;
  readonly signal?: AbortSignal;
}

/**
 * A keyring wraps fresh data keys on write and unwraps them on read. Implement this to bring
 * your own key management; the built-in ones are {@link KmsKeyring} and the raw keyrings.
 */
export interface Keyring {
  /** Short name for messages, e.g. "KMS key alias/backups". Must not contain key material. */
  readonly description: string;
  generateDataKey(request: WrapRequest): Promise<WrappedDataKey>;
  /**
   * Returns the plaintext data key, or throws a KeyringError. A keyring that does not handle the
   * object's wrap algorithm throws with code KEY_UNAVAILABLE.
   */
  unwrapDataKey(request: UnwrapRequest): Promise<Uint8Array>;
}
