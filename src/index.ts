/**
 * s3-cse: Amazon S3 client-side (envelope) encryption for Node.js.
 *
 * The public API, by name. Everything else under src/ is internal: import it by module path
 * in tests, never from here. A change to this list shows up in the API report
 * (etc/s3-cse.api.md, checked by `npm run api`); see CONTRIBUTING.md.
 *
 * @packageDocumentation
 */

// Byte ranges (types of the ranged-read options).
export type { ByteRange, RequestedRange } from "./ciphers/byte-range.js";
// The drop-in client.
export {
  EncryptedUpload,
  type EncryptedUploadOptions,
  type EncryptedUploadProgress,
  type EncryptedUploadResult,
} from "./client/encrypted-upload.js";
export {
  S3EncryptionClient,
  type S3EncryptionClientOptions,
  type SendOptions,
} from "./client/s3-encryption-client.js";
export type { SdkReadable, SdkStreamHelpers } from "./client/sdk-stream.js";
export type { CommandOutputOf, SdkCommand } from "./client/send-types.js";
// Content metadata: what an encrypted object's metadata says (pure).
export type {
  AlgorithmSuite,
  ContentAlgorithmName,
} from "./codec/algorithm-suites.js";
export {
  type ContentMetadata,
  type ContentMetadataCommon,
  type FormatGeneration,
  type MetadataLocation,
  type V1ContentMetadata,
  type V1WrapKind,
  type V2ContentMetadata,
  V3_WRAP_CODES,
  type V3ContentMetadata,
  type V3WrapAlgorithm,
  type WrapAlgorithm,
} from "./codec/content-metadata.js";
export { decodeContentMetadata } from "./codec/decode.js";
export { encodeContentMetadata } from "./codec/encode.js";
export type { StringMap } from "./codec/json-map.js";
export type { MetadataPlacement } from "./codec/placement.js";
// Errors: one hierarchy, stable codes.
export {
  AbortError,
  type CodesOf,
  EnvironmentError,
  ERROR_CLASS_NAMES,
  type ErrorClassName,
  type ErrorCode,
  ErrorCodes,
  FormatError,
  InternalError,
  isS3CseError,
  KeyringError,
  LegacyModeError,
  PutObjectFieldError,
  RdsCheckError,
  S3CseError,
  type S3CseErrorOptions,
  SecurityError,
  TransferError,
  UsageError,
} from "./errors.js";
// Inspect and verify (the verifier, RDS readiness, deep checks).
export type { ClientSideDetails } from "./inspect/client-side-details.js";
export { type DeepCheckOptions, type DeepCheckResult, deepCheck } from "./inspect/deep-check.js";
export { type Finding, type FindingCode, FindingCodes, type Severity } from "./inspect/findings.js";
export {
  type EncryptionLayers,
  type Inspection,
  type InspectOptions,
  type InstructionFileLookup,
  inspectObject,
} from "./inspect/inspect-object.js";
export { type BackupHeaderCheck, checkBackupHeader } from "./inspect/mtf-header.js";
export type { HeadObjectLike, ObjectInput } from "./inspect/object-input.js";
export { checkRdsFormat } from "./inspect/rds-format.js";
export {
  checkRdsKms,
  type RdsKeyFacts,
  type RdsKmsCheck,
  type RdsKmsCheckInput,
} from "./inspect/rds-kms.js";
export { type RestoreSqlInput, restoreSql } from "./inspect/rds-restore-sql.js";
export {
  checkRdsSide,
  type RdsSideCheckInput,
  type RdsSideResult,
} from "./inspect/rds-side/check-rds-side.js";
export type { InstanceFacts } from "./inspect/rds-side/instance.js";
export type { SendClient } from "./inspect/rds-side/reads.js";
export type { ServerSideDetails, ServerSideKind } from "./inspect/server-side.js";
export { type VerifyObjectOptions, type VerifyResult, verifyObject } from "./inspect/verify-object.js";
// Keyrings and read/write policies.
export type { Keyring, UnwrapRequest, WrappedDataKey, WrapRequest } from "./materials/keyring.js";
export type { KmsClientLike } from "./materials/kms-client.js";
export { KmsKeyring, type KmsKeyringOptions } from "./materials/kms-keyring.js";
export type { RewrapMethod } from "./materials/kms-rewrap.js";
export { WRITE_FORMATS, type WriteFormat } from "./materials/materials.js";
export {
  type CommitmentPolicy,
  type ReadPolicy,
  type ReadPolicyOptions,
  resolveReadPolicy,
} from "./materials/policy.js";
export { RawAesKeyring, type RawAesKeyringOptions } from "./materials/raw-aes-keyring.js";
export type { DecryptionKeyEntry } from "./materials/raw-keyring-support.js";
export { RawRsaKeyring, type RawRsaKeyringOptions } from "./materials/raw-rsa-keyring.js";
export type { RsaKey } from "./materials/rsa-wraps.js";
// Stream types returned by the transfer functions.
export type { DecryptStream } from "./pipeline/decrypt-stream.js";
export type { EncryptInWorker } from "./pipeline/part-source.js";
// Transfer: upload, download, ranged reads, rewrap, offline files.
export { getBucketRegion, type ListedObject, listObjectKeys } from "./transfer/bucket-location.js";
export type { CopyMethod } from "./transfer/copy-object.js";
export {
  type DecryptedStream,
  type DecryptObjectOptions,
  type DownloadProgress,
  type DownloadResult,
  type DownloadResumeInfo,
  type DownloadToFileOptions,
  downloadToFile,
  type OpenDecryptedStreamOptions,
  openDecryptedStream,
} from "./transfer/download.js";
export {
  type ObjectLocator,
  type ResolvedEncryption,
  readObjectEncryption,
} from "./transfer/object-metadata.js";
export {
  type DecryptFileOptions,
  type DecryptFileResult,
  decryptFile,
  type EncryptFileOptions,
  type EncryptFileResult,
  encryptFile,
} from "./transfer/offline.js";
export { type Digest, type OfflineSidecar, SIDECAR_VERSION } from "./transfer/offline-sidecar.js";
export {
  choosePartSize,
  DEFAULT_PART_SIZE,
  MAX_OBJECT_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
} from "./transfer/part-size.js";
export {
  type DecryptedRange,
  type DecryptedRangeOptions,
  getDecryptedRange,
  openDecryptedRange,
} from "./transfer/ranged-get.js";
export type { RetryOptions } from "./transfer/resumable-body.js";
export {
  type RewrapCommonOptions,
  type RewrapFailure,
  type RewrapObjectOptions,
  type RewrapPrefixOptions,
  type RewrapResult,
  type RewrapStatus,
  type RewrapSummary,
  rewrapObject,
  rewrapPrefix,
} from "./transfer/rewrap.js";
export type { S3ClientLike } from "./transfer/s3-commands.js";
export type { PayloadSigning } from "./transfer/unsigned-payload.js";
export { encryptAndUpload } from "./transfer/upload.js";
export {
  type UploadEncryptedOptions,
  type UploadEncryptedResult,
  uploadEncryptedFile,
} from "./transfer/upload-encrypted.js";
export { type EncryptAndUploadFileOptions, encryptAndUploadFile } from "./transfer/upload-file.js";
export {
  DEFAULT_CONCURRENCY,
  type EncryptAndUploadOptions,
  type MultipartUploadEvent,
  type ObjectParams,
  type UploadProgress,
  type UploadResult,
} from "./transfer/upload-options.js";
export { abortCheckpointedUpload, type CheckpointOptions } from "./transfer/upload-resumable.js";
