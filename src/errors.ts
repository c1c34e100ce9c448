/**
 * The error hierarchy. Every error thrown by s3-cse is an {@link S3CseError} with a stable
 * `code` (safe to switch on) and, where one exists, the underlying `cause`.
 *
 * Messages never contain key bytes, plaintext or credentials: they name keys, lengths,
 * formats and flags only.
 */

export const ErrorCodes = {
  /** A caller-supplied option or argument is invalid. */
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  /** Object metadata (or an instruction file) is missing, malformed or inconsistent. */
  INVALID_METADATA: "INVALID_METADATA",
  /** The object uses a format or algorithm this library does not implement. */
  UNSUPPORTED_FORMAT: "UNSUPPORTED_FORMAT",
  /** A legacy (unauthenticated or weakly wrapped) mode was needed but not enabled. */
  LEGACY_MODE_REQUIRED: "LEGACY_MODE_REQUIRED",
  /** The commitment policy forbids this read or write. */
  COMMITMENT_POLICY: "COMMITMENT_POLICY",
  /** Authentication failed: GCM tag, V3 key commitment, CBC padding or wrapped-key check. */
  AUTHENTICATION_FAILED: "AUTHENTICATION_FAILED",
  /** The encryption context supplied on read differs from the one stored with the object. */
  ENCRYPTION_CONTEXT_MISMATCH: "ENCRYPTION_CONTEXT_MISMATCH",
  /** A KMS (or other keyring) operation failed. */
  KEYRING_FAILURE: "KEYRING_FAILURE",
  /** No keyring could unwrap the data key. */
  KEY_UNAVAILABLE: "KEY_UNAVAILABLE",
  /** An S3 request failed. */
  S3_FAILURE: "S3_FAILURE",
  /** A local read or write failed. */
  IO_FAILURE: "IO_FAILURE",
  /** A download target exists and is not a regular file (device, FIFO, socket, symlink to one). */
  NOT_A_REGULAR_FILE: "NOT_A_REGULAR_FILE",
  /** The source file changed (size, mtime, ctime or inode) while it was being uploaded. */
  SOURCE_CHANGED: "SOURCE_CHANGED",
  /** The object was replaced or deleted while it was being downloaded (its ETag no longer matches). */
  OBJECT_CHANGED: "OBJECT_CHANGED",
  /** Downloaded ciphertext does not match the CRC32 S3 stored for the object or its parts. */
  CHECKSUM_MISMATCH: "CHECKSUM_MISMATCH",
  /** A resumable upload's checkpoint belongs to another target, format, part size or upload, or its parts differ from S3's; a resumable download's state belongs to another object. */
  CHECKPOINT_MISMATCH: "CHECKPOINT_MISMATCH",
  /** A checkpoint (upload) or download state file is unreadable, malformed or of an unknown version. */
  CHECKPOINT_INVALID: "CHECKPOINT_INVALID",
  /** The multipart upload a checkpoint names no longer exists (NoSuchUpload: completed, aborted or expired). */
  UPLOAD_NOT_FOUND: "UPLOAD_NOT_FOUND",
  /** The source cannot be resumed (stdin and other streams cannot be read again from the start). */
  NOT_RESUMABLE: "NOT_RESUMABLE",
  /** The operation was cancelled through an AbortSignal (or a signal in the CLI). */
  ABORTED: "ABORTED",
  /** The object's body does not have the length its metadata and algorithm imply. */
  TRUNCATED: "TRUNCATED",
  /** A GCM object is larger than the in-memory authentication buffer allows for a stream. */
  BUFFER_LIMIT_EXCEEDED: "BUFFER_LIMIT_EXCEEDED",
  /** An instruction file holds keys the format keeps on the object's own metadata (V3 x-amz-c/d/i). */
  INSTRUCTION_FILE_FORBIDDEN_KEYS: "INSTRUCTION_FILE_FORBIDDEN_KEYS",
  /** An instruction file is larger than the bound a reader accepts (64 KiB). */
  INSTRUCTION_FILE_TOO_LARGE: "INSTRUCTION_FILE_TOO_LARGE",
  /** An `--format rds` pre-upload check failed (key spec/state, key region vs bucket region). */
  RDS_CHECK_FAILED: "RDS_CHECK_FAILED",
  /** The encryption client refused a command that would store object content unencrypted. */
  UNENCRYPTED_WRITE_REFUSED: "UNENCRYPTED_WRITE_REFUSED",
  /** The Node.js runtime lacks something s3-cse needs (e.g. `zlib.crc32`, Node ≥ 20.15 / 22.2). */
  UNSUPPORTED_RUNTIME: "UNSUPPORTED_RUNTIME",
  /** The encryption worker thread failed or exited before it finished. */
  WORKER_FAILURE: "WORKER_FAILURE",
  /** A state the code rules out was reached: a bug in s3-cse; please report it. */
  INTERNAL: "INTERNAL",
  /** A PutObject field contradicts the encryption (a plaintext checksum, a wrong ContentLength, encryption metadata keys…). */
  PUT_FIELD_REFUSED: "PUT_FIELD_REFUSED",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * The one table pairing each code with the class that throws it (by name: every class below
 * is exported under that name). A test reads every `new …Error(…)` in src/ and checks it against
 * this table (test/unit/errors.test.ts); the constructors' types enforce it at compile time.
 */
export const ERROR_CLASS_NAMES = {
  INVALID_ARGUMENT: "UsageError",
  INVALID_METADATA: "FormatError",
  UNSUPPORTED_FORMAT: "FormatError",
  INSTRUCTION_FILE_TOO_LARGE: "FormatError",
  LEGACY_MODE_REQUIRED: "LegacyModeError",
  COMMITMENT_POLICY: "SecurityError",
  AUTHENTICATION_FAILED: "SecurityError",
  ENCRYPTION_CONTEXT_MISMATCH: "SecurityError",
  INSTRUCTION_FILE_FORBIDDEN_KEYS: "SecurityError",
  TRUNCATED: "SecurityError",
  CHECKSUM_MISMATCH: "SecurityError",
  UNENCRYPTED_WRITE_REFUSED: "SecurityError",
  KEYRING_FAILURE: "KeyringError",
  KEY_UNAVAILABLE: "KeyringError",
  S3_FAILURE: "TransferError",
  IO_FAILURE: "TransferError",
  NOT_A_REGULAR_FILE: "TransferError",
  SOURCE_CHANGED: "TransferError",
  OBJECT_CHANGED: "TransferError",
  CHECKPOINT_MISMATCH: "TransferError",
  CHECKPOINT_INVALID: "TransferError",
  UPLOAD_NOT_FOUND: "TransferError",
  NOT_RESUMABLE: "TransferError",
  BUFFER_LIMIT_EXCEEDED: "TransferError",
  RDS_CHECK_FAILED: "RdsCheckError",
  ABORTED: "AbortError",
  UNSUPPORTED_RUNTIME: "EnvironmentError",
  WORKER_FAILURE: "EnvironmentError",
  INTERNAL: "InternalError",
  PUT_FIELD_REFUSED: "PutObjectFieldError",
} as const satisfies Record<ErrorCode, string>;

/** The name of an S3CseError subclass in the table. */
export type ErrorClassName = (typeof ERROR_CLASS_NAMES)[ErrorCode];

/** The codes the table gives to the class named `N`. */
export type CodesOf<N extends ErrorClassName> = {
  [C in ErrorCode]: (typeof ERROR_CLASS_NAMES)[C] extends N ? C : never;
}[ErrorCode];

export interface S3CseErrorOptions {
  cause?: unknown;
}

/** Base class of every error s3-cse throws. */
export class S3CseError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: S3CseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad caller input: options, URLs, sizes. The CLI maps these to exit code 2. */
export class UsageError extends S3CseError {
  constructor(message: string, options?: S3CseErrorOptions) {
    super(ErrorCodes.INVALID_ARGUMENT, message, options);
  }
}

/** Metadata or format problems: missing keys, bad base64, unsupported algorithms. */
export class FormatError extends S3CseError {
  constructor(code: CodesOf<"FormatError">, message: string, options?: S3CseErrorOptions) {
    super(code, message, options);
  }
}

/**
 * A security decision: authentication failure, commitment mismatch, context mismatch,
 * a blocked legacy mode or a commitment-policy violation.
 */
export class SecurityError extends S3CseError {
  constructor(
    code: CodesOf<"SecurityError" | "LegacyModeError">,
    message: string,
    options?: S3CseErrorOptions,
  ) {
    super(code, message, options);
  }
}

/**
 * A legacy mode was required. `flag` names the option that enables it (the CLI flag and
 * the library option are both spelled out in the message).
 */
export class LegacyModeError extends SecurityError {
  readonly flag: string;

  constructor(message: string, flag: string, options?: S3CseErrorOptions) {
    super(ErrorCodes.LEGACY_MODE_REQUIRED, message, options);
    this.flag = flag;
  }
}

/** A keyring (KMS, raw AES, raw RSA) failed to wrap or unwrap a data key. */
export class KeyringError extends S3CseError {
  constructor(code: CodesOf<"KeyringError">, message: string, options?: S3CseErrorOptions) {
    super(code, message, options);
  }
}

/** S3 or local I/O failed while moving bytes. */
export class TransferError extends S3CseError {
  constructor(code: CodesOf<"TransferError">, message: string, options?: S3CseErrorOptions) {
    super(code, message, options);
  }
}

/** An `--format rds` pre-upload check (key spec/state, key region vs bucket region) failed. */
export class RdsCheckError extends S3CseError {
  constructor(message: string, options?: S3CseErrorOptions) {
    super(ErrorCodes.RDS_CHECK_FAILED, message, options);
  }
}

/** The runtime could not do what was asked: a missing Node.js API, a failed worker thread. */
export class EnvironmentError extends S3CseError {
  constructor(code: CodesOf<"EnvironmentError">, message: string, options?: S3CseErrorOptions) {
    super(code, message, options);
  }
}

/** A state the code rules out was reached (a bug in s3-cse). */
export class InternalError extends S3CseError {
  constructor(message: string, options?: S3CseErrorOptions) {
    super(ErrorCodes.INTERNAL, message, options);
  }
}

/** The drop-in client refused a PutObject field by name; `field` is the input field's name. */
export class PutObjectFieldError extends S3CseError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(ErrorCodes.PUT_FIELD_REFUSED, `S3EncryptionClient refuses PutObject ${field}: ${message}`);
    this.field = field;
  }
}

/** The caller cancelled. */
export class AbortError extends S3CseError {
  constructor(message = "The operation was aborted", options?: S3CseErrorOptions) {
    super(ErrorCodes.ABORTED, message, options);
  }
}

export function isS3CseError(err: unknown): err is S3CseError {
  return err instanceof S3CseError;
}
