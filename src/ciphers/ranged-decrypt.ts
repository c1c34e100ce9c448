import { createDecipheriv, type Decipher } from "node:crypto";
import { AES_BLOCK } from "../codec/algorithm-suites.js";
import { UsageError } from "../errors.js";
import { gcmCounterBlock, type RangePlan } from "./byte-range.js";
import type { ContentDecryptor, ContentKey } from "./content-cipher.js";
import { cbcFailure, contentCipherParams, pkcs7PadLength } from "./content-cipher.js";

/**
 * Decrypts the ciphertext bytes `plan.fetch` of an object and emits exactly the plaintext bytes
 * `plan.plaintext` (docs/formats.md#ranged-reads).
 *
 * Ranged reads are **not authenticated**: GCM objects are decrypted with AES-CTR and the tag is
 * never checked; CBC was never authenticated. V3 objects still have their key commitment checked
 * (in constant time) before the derived key is used.
 */
export function createRangedDecryptor(
  key: ContentKey,
  plan: RangePlan,
  storedCommitment?: Uint8Array,
): ContentDecryptor {
  /* Precondition: ranged V3 decryption checks the stored key commitment. */
  if (key.suite.keyCommitting && storedCommitment === undefined) {
    throw new UsageError("V3 decryption requires the stored commitment (x-amz-d)");
  }
  const p = contentCipherParams(key, storedCommitment);
  const trim = trimmer(plan);
  if (plan.mode === "ctr") {
    /* Precondition: CTR range decryption is only for GCM content. */
    if (key.suite.cipher !== "gcm") {
      throw new UsageError("CTR range decryption applies to GCM objects only");
    }
    const ctr = createDecipheriv(
      `aes-${p.key.length * 8}-ctr`,
      p.key,
      gcmCounterBlock(p.iv, plan.fetch.start),
    );
    return {
      update: (chunk) => trim.push(ctr.update(chunk)),
      final: () => trim.push(ctr.final()),
    };
  }
  /* Precondition: CBC range decryption is only for CBC content. */
  if (key.suite.cipher !== "cbc") {
    throw new UsageError("CBC range decryption applies to CBC objects only");
  }
  return cbcRange(p.key, p.iv, plan, trim);
}

interface Trimmer {
  push(plain: Buffer): Buffer[];
  /** CBC: the real plaintext end became known after unpadding. */
  setEnd(lastOffset: number): void;
}

function trimmer(plan: RangePlan): Trimmer {
  let offset = plan.firstPlaintextOffset; // plaintext offset of the next byte pushed
  let end = plan.plaintext.end;
  return {
    push(plain) {
      const from = Math.max(plan.plaintext.start, offset);
      const to = Math.min(end, offset + plain.length - 1);
      const startAt = offset;
      offset += plain.length;
      return to >= from ? [plain.subarray(from - startAt, to - startAt + 1)] : [];
    },
    setEnd(lastOffset) {
      end = Math.min(end, lastOffset);
    },
  };
}

function cbcRange(key: Uint8Array, contentIv: Uint8Array, plan: RangePlan, trim: Trimmer): ContentDecryptor {
  // From offset 0 the content IV applies; otherwise the first fetched block is the previous
  // ciphertext block and serves as the IV of the rest.
  let decipher: Decipher | undefined;
  let ivBuf = plan.fetch.start === 0 ? Buffer.from(contentIv) : Buffer.alloc(0);
  let held = Buffer.alloc(0); // the last decrypted block, kept back until final() when unpadding
  let total = 0;
  const expected = plan.fetch.end - plan.fetch.start + 1;
  const algorithm = `aes-${key.length * 8}-cbc`;
  const out = (plain: Buffer): Buffer[] => {
    if (!plan.includesFinalBlock) return trim.push(plain);
    const all = held.length ? Buffer.concat([held, plain]) : plain;
    const keep = Math.min(all.length, AES_BLOCK);
    held = Buffer.from(all.subarray(all.length - keep));
    return trim.push(all.subarray(0, all.length - keep));
  };
  return {
    update(chunk) {
      total += chunk.length;
      let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (!decipher) {
        if (ivBuf.length < AES_BLOCK) {
          const need = AES_BLOCK - ivBuf.length;
          ivBuf = Buffer.concat([ivBuf, data.subarray(0, need)]);
          data = data.subarray(need);
          if (ivBuf.length < AES_BLOCK) return [];
        }
        decipher = createDecipheriv(algorithm, key, ivBuf);
        decipher.setAutoPadding(false);
      }
      return out(decipher.update(data));
    },
    final() {
      /* Precondition: the ranged response holds exactly the requested whole CBC blocks. */
      // One indistinguishable CBC failure (no lengths, no padding detail): see cbcFailure.
      if (total !== expected || !decipher) throw cbcFailure();
      const rest = out(decipher.final());
      if (!plan.includesFinalBlock) return rest;
      /* Precondition: the final CBC block ends with valid PKCS#7 padding. */
      const pad = held.length === AES_BLOCK ? pkcs7PadLength(held) : 0;
      const lastOffset = plan.fetch.end - pad; // plaintext offset of the last real byte
      // A range start past the unpadded end depends on the padding byte: same error, or it is an oracle.
      /* Precondition: the range starts inside the plaintext once the padding is removed. */
      if (pad === 0 || plan.plaintext.start > lastOffset) throw cbcFailure();
      trim.setEnd(lastOffset);
      return [...rest, ...trim.push(held.subarray(0, AES_BLOCK - pad))];
    },
  };
}
