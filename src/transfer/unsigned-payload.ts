/**
 * Opt-in `x-amz-content-sha256: UNSIGNED-PAYLOAD` for UploadPart / PutObject. SigV4 then signs
 * the headers but not the body, so the SDK skips a SHA-256 pass over every part (about 0.6 s of
 * CPU per GB here). S3 accepts it over HTTPS, where TLS protects the body in transit; each part
 * still carries its CRC32, which S3 verifies. Never the default.
 */

const HEADER = "x-amz-content-sha256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const NAME = "s3CseUnsignedPayload";

interface CommandWithStack {
  readonly middlewareStack?: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: "build"; name: string; override?: boolean },
    ): void;
  };
}

/** Sets the header on an outgoing request (the build step runs before SigV4 signs it). */
export function unsignedPayloadMiddleware(
  next: (args: unknown) => Promise<unknown>,
): (args: unknown) => Promise<unknown> {
  return (args) => {
    const request = (args as { request?: { headers?: Record<string, string> } }).request;
    if (request?.headers) request.headers[HEADER] = UNSIGNED_PAYLOAD;
    return next(args);
  };
}

/** Returns `command`, with the UNSIGNED-PAYLOAD middleware added when `enabled`. */
export function withPayloadSigning<T>(command: T, unsignedPayload: boolean | undefined): T {
  if (unsignedPayload === true) {
    (command as CommandWithStack).middlewareStack?.add(unsignedPayloadMiddleware, {
      step: "build",
      name: NAME,
      override: true,
    });
  }
  return command;
}
