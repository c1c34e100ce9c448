/**
 * `--debug`: the SDK's own request log (one line per command: client, command, input, output,
 * metadata) on stderr, with secrets and key material redacted — data keys, wrapped keys, bodies,
 * SSE-C keys, credentials — whatever the SDK itself already filters.
 */
const REDACT_KEYS =
  /^(Body|Plaintext|CiphertextBlob|SSECustomerKey|CopySourceSSECustomerKey|SSEKMSEncryptionContext|SecretAccessKey|SessionToken|secretAccessKey|sessionToken|accessKeyId|AccessKeyId|authorization|x-amz-key|x-amz-key-v2|x-amz-3|x-amz-security-token)$/i;

export function redact(value: unknown): string {
  return JSON.stringify(value, (key, v) => {
    if (key !== "" && REDACT_KEYS.test(key)) return "[redacted]";
    if (v instanceof Uint8Array) return `[${v.byteLength} bytes]`;
    if (v && typeof v === "object" && (v as { type?: string }).type === "Buffer") return "[bytes]";
    if (v && typeof v === "object" && typeof (v as { pipe?: unknown }).pipe === "function") return "[stream]";
    return v;
  });
}

export interface DebugLogger {
  trace(...content: unknown[]): void;
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

export function createDebugLogger(stderr: NodeJS.WritableStream): DebugLogger {
  const line =
    (level: string) =>
    (...content: unknown[]) => {
      stderr.write(
        `s3-cse debug ${level}: ${content.map((c) => (typeof c === "string" ? c : redact(c))).join(" ")}\n`,
      );
    };
  return {
    trace: line("trace"),
    debug: line("debug"),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
  };
}
