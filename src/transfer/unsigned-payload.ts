/**
 * Payload signing of UploadPart / PutObject bodies, as botocore and the AWS CLI choose it:
 *
 * - `auto` (default): `UNSIGNED-PAYLOAD` over HTTPS (TLS protects the body in transit, and each part
 *   still carries its CRC32, which S3 verifies), a signed payload over plain HTTP;
 * - `always`: SigV4 hashes every body (a SHA-256 pass over every byte, ~0.6 s of CPU per GB here);
 * - `never`: `UNSIGNED-PAYLOAD` whatever the scheme (real S3 refuses it over plain HTTP).
 *
 * The mechanism is the SDK's own: `@smithy/signature-v4` takes the payload hash from an
 * `x-amz-content-sha256` header that is already on the request (`getPayloadHash`) and signs that
 * header — which is how the SDK's S3 presigner and its aws-chunked checksum path
 * (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`) mark their payloads. A build-step middleware on the
 * command sets it before the signer (finalizeRequest step) runs; nothing here signs anything.
 */
import { SHA256_HEADER, UNSIGNED_PAYLOAD } from "@smithy/signature-v4";
import { UsageError } from "../errors.js";

export { UNSIGNED_PAYLOAD };

export const PAYLOAD_SIGNING_MODES: readonly PayloadSigning[] = ["auto", "always", "never"];
export type PayloadSigning = "auto" | "always" | "never";

const NAME = "s3CsePayloadSigning";

interface BuildArgs {
  request?: { protocol?: string; headers?: Record<string, string> };
}
type Next = (args: unknown) => Promise<unknown>;
interface CommandWithStack {
  readonly middlewareStack?: {
    add(middleware: (next: Next) => Next, options: { step: "build"; name: string; override?: boolean }): void;
  };
}

/**
 * The mode an upload uses: `payloadSigning`, else the older `unsignedPayload` flag (true = never,
 * false = always), else `auto`.
 */
export function payloadSigningOf(o: {
  payloadSigning?: PayloadSigning;
  unsignedPayload?: boolean;
}): PayloadSigning {
  const mode =
    o.payloadSigning ?? (o.unsignedPayload === undefined ? "auto" : o.unsignedPayload ? "never" : "always");
  /* Precondition: the payload signing mode is auto, always or never. */
  if (!PAYLOAD_SIGNING_MODES.includes(mode))
    throw new UsageError(`payload signing must be auto, always or never, got ${String(mode)}`);
  return mode;
}

/** Whether a request to `protocol` ("https:" / "http:") goes with UNSIGNED-PAYLOAD under `mode`. */
export function sendsUnsignedPayload(mode: PayloadSigning, protocol: string | undefined): boolean {
  return mode === "never" || (mode === "auto" && protocol === "https:");
}

/** A build-step middleware that marks the payload unsigned when `mode` says so for the request's scheme. */
export function payloadSigningMiddleware(mode: PayloadSigning): (next: Next) => Next {
  return (next) => (args) => {
    const request = (args as BuildArgs).request;
    if (request?.headers && sendsUnsignedPayload(mode, request.protocol)) {
      request.headers[SHA256_HEADER] = UNSIGNED_PAYLOAD;
    }
    return next(args);
  };
}

/**
 * Returns `command` with the payload-signing middleware added (for `always` nothing is added: the
 * SDK signs the payload by default). `true`/`false`/`undefined` are the older `unsignedPayload` flag.
 */
export function withPayloadSigning<T>(command: T, mode: PayloadSigning | boolean | undefined): T {
  const resolved = typeof mode === "string" ? mode : payloadSigningOf({ unsignedPayload: mode });
  if (resolved !== "always") {
    (command as CommandWithStack).middlewareStack?.add(payloadSigningMiddleware(resolved), {
      step: "build",
      name: NAME,
      override: true,
    });
  }
  return command;
}
