/**
 * Deep checks: decrypt the whole object in memory-bounded streaming fashion, writing the
 * plaintext nowhere. Verifies the GCM tag / V3 commitment / CBC padding and the plaintext length
 * (via the transfer layer's read path), hashes the plaintext, and checks that its head is a SQL
 * Server backup (MTF TAPE block).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { StringMap } from "../codec/json-map.js";
import { ErrorCodes, isS3CseError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import { openDecryptedStream } from "../transfer/download.js";
import type { S3ClientLike } from "../transfer/s3-commands.js";
import { type Finding, FindingCodes, finding } from "./findings.js";
import { type BackupHeaderCheck, checkBackupHeader, MTF_HEAD_BYTES } from "./mtf-header.js";

export interface DeepCheckOptions {
  readonly s3: S3ClientLike;
  readonly bucket: string;
  readonly key: string;
  readonly keyring: Keyring;
  /** Local file whose SHA-256 the plaintext must equal. */
  readonly compareFile?: string;
  /** The object must be a SQL Server backup (RDS checks): a non-backup head is an error. */
  readonly expectBackup?: boolean;
  /** KMS encryption context the object was written with (kms+context objects). */
  readonly encryptionContext?: StringMap;
  readonly signal?: AbortSignal;
}

export interface DeepCheckResult {
  /** True if the whole body decrypted and authenticated (tag, commitment or padding). */
  readonly decrypted: boolean;
  readonly plaintextBytes?: number;
  /** SHA-256 (hex) of the plaintext. */
  readonly sha256?: string;
  readonly backupHeader?: BackupHeaderCheck;
  readonly compare?: { readonly file: string; readonly sha256: string; readonly match: boolean };
}

/** SHA-256 (hex) of a local file. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function failureFinding(err: unknown): Finding {
  const message = err instanceof Error ? err.message : String(err);
  const code = isS3CseError(err) ? err.code : undefined;
  if (code === ErrorCodes.ENCRYPTION_CONTEXT_MISMATCH) {
    return finding(FindingCodes.DEEP_CONTEXT_MISMATCH, "error", message, {
      fix: "give the encryption context the object was written with: --context key=value (repeatable)",
    });
  }
  if (code === ErrorCodes.KEYRING_FAILURE || code === ErrorCodes.KEY_UNAVAILABLE) {
    return finding(FindingCodes.DEEP_UNWRAP_FAILED, "error", `could not unwrap the data key: ${message}`);
  }
  if (code === ErrorCodes.TRUNCATED) {
    return finding(FindingCodes.DEEP_LENGTH_MISMATCH, "error", message, {
      fix: "the object was truncated or altered after upload; upload it again",
    });
  }
  return finding(FindingCodes.DEEP_DECRYPT_FAILED, "error", `decryption failed: ${message}`, {
    fix: "the object or its metadata was altered, or it was written by a faulty client; upload it again",
  });
}

/** Decrypts the object without storing plaintext; never throws for a decryption failure (it becomes a finding). */
export async function deepCheck(
  o: DeepCheckOptions,
): Promise<{ result: DeepCheckResult; findings: Finding[] }> {
  const findings: Finding[] = [];
  const hash = createHash("sha256");
  const head: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  let decrypted = false;
  try {
    const opened = await openDecryptedStream({
      s3: o.s3,
      bucket: o.bucket,
      key: o.key,
      keyring: o.keyring,
      // The verifier reads every format; the policy only gates which objects a reader accepts.
      allowLegacy: true,
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
      // Nothing is written: authentication failure is still caught at the end of the stream.
      delayedAuthentication: true,
      ...(o.encryptionContext ? { encryptionContext: o.encryptionContext } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    for await (const chunk of opened.stream) {
      const b = chunk as Buffer;
      hash.update(b);
      bytes += b.length;
      if (headBytes < MTF_HEAD_BYTES) {
        const part = b.subarray(0, MTF_HEAD_BYTES - headBytes);
        head.push(Buffer.from(part));
        headBytes += part.length;
      }
    }
    decrypted = true;
  } catch (err) {
    if (o.signal?.aborted) throw err;
    findings.push(failureFinding(err));
  }
  const backupHeader = headBytes > 0 || decrypted ? checkBackupHeader(Buffer.concat(head)) : undefined;
  head.forEach((b) => {
    b.fill(0);
  });
  /* Precondition: the decrypted head is a SQL Server backup (MTF TAPE block) when one is expected. */
  if (backupHeader && !backupHeader.looksLikeBackup) {
    findings.push(
      finding(
        FindingCodes.NOT_A_SQL_SERVER_BACKUP,
        o.expectBackup ? "error" : "info",
        `the decrypted object does not look like a SQL Server backup: ${backupHeader.reason}`,
        o.expectBackup
          ? {
              rdsError:
                "The media family on device '<file>' is incorrectly formed. SQL Server cannot process this media family.",
              fix: "upload the .bak file produced by BACKUP DATABASE (uncompressed by other tools), not another file",
            }
          : {},
      ),
    );
  }
  let result: DeepCheckResult = {
    decrypted,
    ...(decrypted ? { plaintextBytes: bytes, sha256: hash.digest("hex") } : {}),
    ...(backupHeader ? { backupHeader } : {}),
  };
  if (o.compareFile !== undefined && decrypted && result.sha256) {
    const local = await sha256OfFile(o.compareFile);
    const match = local === result.sha256;
    result = { ...result, compare: { file: o.compareFile, sha256: local, match } };
    /* Precondition: with --compare, the plaintext SHA-256 equals the local file's. */
    if (!match) {
      findings.push(
        finding(
          FindingCodes.COMPARE_MISMATCH,
          "error",
          `decrypted object (${bytes} bytes, SHA-256 ${result.sha256}) differs from ${o.compareFile} (SHA-256 ${local})`,
        ),
      );
    }
  }
  return { result, findings };
}
