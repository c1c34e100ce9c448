/** Raw key material shared by a test file and the Ruby driver: an AES KEK and an RSA-2048 key pair. */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { RubyKeyring } from "./ruby.js";

export interface RawKeys {
  aesKek: Buffer;
  rsaPrivateKeyPem: string;
  rubyAes: RubyKeyring;
  rubyRsa: RubyKeyring;
}

export function makeRawKeys(): RawKeys {
  const aesKek = randomBytes(32);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const rsaPrivateKeyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return {
    aesKek,
    rsaPrivateKeyPem,
    rubyAes: { kind: "aes", key: aesKek.toString("base64") },
    rubyRsa: { kind: "rsa", privateKeyPem: rsaPrivateKeyPem },
  };
}
