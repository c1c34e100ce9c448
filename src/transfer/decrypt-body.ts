import type { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream";
import { S3CseError } from "../errors.js";
import { s3Error } from "./s3-commands.js";

/**
 * Joins a GetObject body to the stream that decrypts it. Unlike `pipe()`, destroying the
 * decrypted stream (a consumer giving up, a failed file write) also destroys the HTTP body, so
 * its socket is released; a body error reaches the consumer wrapped as an S3 error.
 */
export function decryptBody<T extends Transform>(body: Readable, decrypt: T, bucket: string, key: string): T {
  // Registered before pipeline's own handler, so the consumer sees the wrapped error first.
  body.once("error", (err) =>
    decrypt.destroy(err instanceof S3CseError ? err : s3Error("GetObject", bucket, key, err)),
  );
  pipeline(body, decrypt, () => undefined);
  return decrypt;
}
