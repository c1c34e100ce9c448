import { ErrorCodes, SecurityError } from "../errors.js";

/**
 * The S3 operation a command stands for, read from stable properties rather than class identity:
 * a command built by another copy of `@aws-sdk/client-s3` (another version in node_modules) is not
 * `instanceof` ours. Newer SDKs carry the operation in `command.schema[2]`; every version names the
 * class `<Operation>Command`.
 */
export function operationName(command: unknown): string | undefined {
  if (command === null || typeof command !== "object") return undefined;
  const schema = (command as { schema?: unknown }).schema;
  if (Array.isArray(schema) && typeof schema[2] === "string") return schema[2];
  const name = (command as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === "string" && name.endsWith("Command") && name.length > "Command".length)
    return name.slice(0, -"Command".length);
  return undefined;
}

/** Operations the encryption client handles itself (encrypts, decrypts, or also cleans up instruction files). */
export type HandledOperation = "PutObject" | "GetObject" | "DeleteObject" | "DeleteObjects";
const HANDLED: ReadonlySet<string> = new Set<HandledOperation>([
  "PutObject",
  "GetObject",
  "DeleteObject",
  "DeleteObjects",
]);

/** Operations that would write object content without this client's encryption, and what to use instead. */
const MULTIPART_INSTEAD =
  "send PutObjectCommand with the whole body (any size; it is uploaded in parts), use EncryptedUpload in place of @aws-sdk/lib-storage's Upload, or call encryptAndUpload";
const REFUSED: Readonly<Record<string, string>> = {
  CreateMultipartUpload: MULTIPART_INSTEAD,
  UploadPart: MULTIPART_INSTEAD,
  UploadPartCopy: "download and re-upload through PutObjectCommand (or encryptAndUpload)",
  CompleteMultipartUpload: MULTIPART_INSTEAD,
  CopyObject:
    "download and re-upload through PutObjectCommand, or use the wrapped client (.client) deliberately",
  WriteGetObjectResponse: "use the wrapped client (.client) deliberately; its content is not encrypted",
};

export type CommandKind = { kind: "handled"; operation: HandledOperation } | { kind: "pass-through" };

/** Classifies a command; throws for commands that could store unencrypted object content. */
export function classifyCommand(command: unknown): CommandKind {
  const operation = operationName(command);
  if (operation !== undefined && HANDLED.has(operation))
    return { kind: "handled", operation: operation as HandledOperation };
  /* Precondition: commands that would store object content unencrypted are refused. */
  if (operation !== undefined && operation in REFUSED) {
    throw new SecurityError(
      ErrorCodes.UNENCRYPTED_WRITE_REFUSED,
      `S3EncryptionClient refuses ${operation}: it would store object content without client-side encryption; ${REFUSED[operation]}`,
    );
  }
  const input = (command as { input?: unknown } | null)?.input;
  /* Precondition: an unrecognised command that carries a Body is refused. */
  if (operation === undefined || (input !== null && typeof input === "object" && "Body" in input)) {
    if (operation === undefined || (input as { Body?: unknown }).Body !== undefined) {
      throw new SecurityError(
        ErrorCodes.UNENCRYPTED_WRITE_REFUSED,
        `S3EncryptionClient refuses ${operation ?? "an unrecognised command"}: it is not known to be safe to pass through${
          operation === undefined ? "" : " and carries a Body"
        }; send PutObjectCommand (or call encryptAndUpload) for object content, or use the wrapped client (.client) deliberately`,
      );
    }
  }
  return { kind: "pass-through" };
}
