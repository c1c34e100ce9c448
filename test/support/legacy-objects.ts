/** Builds V1/V2 objects around a known data key, for wraps s3-cse only reads. */
import { createCipheriv, randomBytes } from "node:crypto";

export interface BuiltObject {
  metadata: Record<string, string>;
  body: Buffer;
}

/** CBC content (V1 when `wrap` carries x-amz-key, V2 when it carries x-amz-key-v2 + wrap-alg). */
export function cbcObject(dataKey: Buffer, plaintext: Buffer, wrap: Record<string, string>): BuiltObject {
  const iv = randomBytes(16);
  const c = createCipheriv(`aes-${dataKey.length * 8}-cbc`, dataKey, iv);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  const v2: Record<string, string> =
    "x-amz-key-v2" in wrap ? { "x-amz-cek-alg": "AES/CBC/PKCS5Padding" } : {};
  return { metadata: { ...wrap, ...v2, "x-amz-iv": iv.toString("base64") }, body };
}

/** V2 GCM content. */
export function gcmObject(dataKey: Buffer, plaintext: Buffer, wrap: Record<string, string>): BuiltObject {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", dataKey, iv);
  const body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return {
    metadata: {
      ...wrap,
      "x-amz-cek-alg": "AES/GCM/NoPadding",
      "x-amz-tag-len": "128",
      "x-amz-iv": iv.toString("base64"),
    },
    body,
  };
}
