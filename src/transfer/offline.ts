/**
 * Offline encryption and decryption (issue 15): a file is encrypted into `FILE.enc` plus its
 * sidecar without S3 (the bytes then travel by any tool), and decrypted back locally. Both
 * stream through the same pipeline encryptor/decryptor as upload and download, in bounded memory,
 * and write through a temporary file renamed into place only when complete.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createContentDecryptor } from "../ciphers/content-cipher.js";
import { ciphertextLength } from "../codec/algorithm-suites.js";
import { decodeContentMetadata } from "../codec/decode.js";
import type { StringMap } from "../codec/json-map.js";
import { placeContentMetadata } from "../codec/placement.js";
import { AbortError, ErrorCodes, S3CseError, SecurityError, TransferError, UsageError } from "../errors.js";
import type { Keyring } from "../materials/keyring.js";
import {
  prepareDecryption,
  prepareEncryption,
  suiteForWriteFormat,
  type WriteFormat,
} from "../materials/materials.js";
import { type CommitmentPolicy, type ReadPolicyOptions, resolveReadPolicy } from "../materials/policy.js";
import { createDecryptStream } from "../pipeline/decrypt-stream.js";
import { encryptToParts } from "../pipeline/part-source.js";
import {
  assertDigest,
  buildSidecar,
  type OfflineSidecar,
  readSidecar,
  SIDECAR_SUFFIX,
} from "./offline-sidecar.js";
import { MiB } from "./part-size.js";
import { assertUploadPolicy } from "./upload-options.js";

const SLICE = 8 * MiB;

const partialName = (file: string) =>
  join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.s3cse-partial`);

function ioError(what: string, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted && !(err instanceof S3CseError)) return new AbortError(undefined, { cause: err });
  if (err instanceof S3CseError) return err;
  return new TransferError(ErrorCodes.IO_FAILURE, `${what}: ${(err as Error).message}`, { cause: err });
}

export interface EncryptFileOptions {
  input: string;
  output: string;
  keyring: Keyring;
  format: WriteFormat;
  /**
   * Checked against `format` before anything is read (as for `encryptAndUpload`): default
   * REQUIRE_ENCRYPT_REQUIRE_DECRYPT, so `v2` needs `commitmentPolicy: "FORBID_ENCRYPT_ALLOW_DECRYPT"`.
   */
  commitmentPolicy?: CommitmentPolicy;
  encryptionContext?: StringMap;
  /** Sidecar path (default `<output>.s3cse.json`). */
  sidecar?: string;
  signal?: AbortSignal;
}

export interface EncryptFileResult {
  readonly output: string;
  readonly sidecar: string;
  readonly manifest: OfflineSidecar;
}

/** Encrypts `input` into `output` and writes the sidecar beside it. */
export async function encryptFile(o: EncryptFileOptions): Promise<EncryptFileResult> {
  assertUploadPolicy(o);
  const suite = suiteForWriteFormat(o.format);
  const materials = await prepareEncryption(o.format, o.keyring, o.encryptionContext ?? {}, o.signal);
  const sidecarPath = o.sidecar ?? o.output + SIDECAR_SUFFIX;
  const tmp = partialName(o.output);
  const tmpSidecar = partialName(sidecarPath);
  const plainHash = createHash("sha256");
  const cipherHash = createHash("sha256");
  let plainLength = 0;
  let cipherLength = 0;
  async function* hashedSource() {
    for await (const chunk of createReadStream(o.input, o.signal ? { signal: o.signal } : {})) {
      plainHash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  }
  const out = await open(tmp, "wx", 0o600).catch((err: unknown) => {
    throw ioError(`creating ${o.output}`, err);
  });
  try {
    for await (const part of encryptToParts(hashedSource(), materials.contentKey, {
      partSize: SLICE,
      concurrency: 1,
      checksum: false,
      signal: o.signal,
      onRead: (n) => {
        plainLength = n;
        /* Precondition: an offline encryption's plaintext stays within the suite's per-key limit. */
        if (n > suite.maxPlaintextLength) {
          throw new UsageError(`${o.format} can encrypt at most ${suite.maxPlaintextLength} bytes`);
        }
      },
    })) {
      cipherHash.update(part.body);
      cipherLength += part.body.length;
      await out.write(part.body);
      part.release();
    }
    await out.sync();
    await out.close();
    const placed = placeContentMetadata(materials.metadata, plainLength, "object");
    const manifest = buildSidecar(
      o.format,
      materials.metadata,
      placed.objectMetadata,
      { length: plainLength, sha256: plainHash.digest("hex") },
      { length: cipherLength, sha256: cipherHash.digest("hex") },
    );
    const sc = await open(tmpSidecar, "wx", 0o600);
    await sc.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
    await sc.close();
    await rename(tmp, o.output);
    await rename(tmpSidecar, sidecarPath);
    return { output: o.output, sidecar: sidecarPath, manifest };
  } catch (err) {
    await out.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    await unlink(tmpSidecar).catch(() => undefined);
    throw ioError(`encrypting ${o.input}`, err, o.signal);
  }
}

export interface DecryptFileOptions extends ReadPolicyOptions {
  input: string;
  output: string;
  keyring: Keyring;
  encryptionContext?: StringMap;
  sidecar?: string;
  signal?: AbortSignal;
}

export interface DecryptFileResult {
  readonly output: string;
  readonly format: "v1" | "v2" | "v3";
  readonly contentAlgorithm: string;
  readonly bytes: number;
}

/**
 * Decrypts an offline-encrypted file with the download read policy. The ciphertext is checked
 * against the sidecar, the plaintext authenticated (GCM/V3) and compared with the sidecar's
 * SHA-256 before `output` appears; on any failure `output` is left as it was.
 */
export async function decryptFile(o: DecryptFileOptions): Promise<DecryptFileResult> {
  const sidecar = await readSidecar(o.sidecar ?? o.input + SIDECAR_SUFFIX);
  const cm = decodeContentMetadata(sidecar.metadata);
  /* Precondition: the sidecar's lengths agree with its content algorithm. */
  if (ciphertextLength(cm.suite, sidecar.plaintext.length) !== sidecar.ciphertext.length) {
    throw new SecurityError(
      ErrorCodes.TRUNCATED,
      "the sidecar's ciphertext length does not fit its plaintext length",
    );
  }
  const materials = await prepareDecryption(
    cm,
    o.keyring,
    resolveReadPolicy(o),
    o.encryptionContext ?? {},
    o.signal,
  );
  const decryptor = createContentDecryptor(materials.contentKey, materials.storedCommitment, {
    ciphertextLength: sidecar.ciphertext.length,
  });
  const transform = createDecryptStream(decryptor, {
    authenticateBeforeRelease: false,
    ...(cm.format !== "v3" ? { expectedPlaintextLength: sidecar.plaintext.length } : {}),
  });
  const tmp = partialName(o.output);
  const cipherHash = createHash("sha256");
  const plainHash = createHash("sha256");
  let cipherLength = 0;
  let plainLength = 0;
  try {
    await pipeline(
      createReadStream(o.input),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const c of source) {
          cipherHash.update(c);
          cipherLength += c.length;
          yield c;
        }
      },
      transform,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const c of source) {
          plainHash.update(c);
          plainLength += c.length;
          yield c;
        }
      },
      createWriteStream(tmp, { flags: "wx", mode: 0o600 }),
      o.signal ? { signal: o.signal } : {},
    );
    assertDigest(o.input, sidecar.ciphertext, { length: cipherLength, sha256: cipherHash.digest("hex") });
    assertDigest(`the plaintext of ${o.input}`, sidecar.plaintext, {
      length: plainLength,
      sha256: plainHash.digest("hex"),
    });
    await rename(tmp, o.output);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw ioError(`decrypting ${o.input}`, err, o.signal);
  }
  return {
    output: o.output,
    format: cm.format,
    contentAlgorithm: cm.suite.contentAlgorithm,
    bytes: plainLength,
  };
}
