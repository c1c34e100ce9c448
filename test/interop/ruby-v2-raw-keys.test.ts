/**
 * Ruby's Aws::S3::EncryptionV2::Client with raw keys and s3-cse's raw keyrings, both directions:
 * `AES/GCM` key wrap (AES-256 KEK) and `RSA-OAEP-SHA1` (RSA-2048), AES-GCM content.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { type Keyring, RawAesKeyring, RawRsaKeyring } from "../../src/index.js";
import { useInteropFixture } from "./support/fixture.js";
import { makeRawKeys, type RawKeys } from "./support/raw-keys.js";
import { type RubyKeyring, requireRuby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { objectBody, s3cseDownload, s3cseUpload, userMetadata } from "./support/s3cse.js";

const SIZES = [0, 17, 3 * 1024 * 1024 + 5] as const;
const V2_GCM_KEYS = [
  "x-amz-cek-alg",
  "x-amz-iv",
  "x-amz-key-v2",
  "x-amz-matdesc",
  "x-amz-tag-len",
  "x-amz-unencrypted-content-length",
  "x-amz-wrap-alg",
];

failEveryTestUnless(requireRuby);

const fx = useInteropFixture();
let keys: RawKeys;
beforeAll(async () => {
  keys = makeRawKeys();
});

interface Mode {
  name: string;
  wrap: string;
  /** Length of the wrapped data key in x-amz-key-v2. */
  wrappedLength: number;
  ruby: () => RubyKeyring;
  s3cse: () => Keyring;
}

const MODES: Mode[] = [
  {
    name: "AES/GCM",
    wrap: "AES/GCM",
    wrappedLength: 12 + 32 + 16,
    ruby: () => keys.rubyAes,
    s3cse: () => new RawAesKeyring({ key: keys.aesKek }),
  },
  {
    name: "RSA-OAEP-SHA1",
    wrap: "RSA-OAEP-SHA1",
    wrappedLength: 256,
    ruby: () => keys.rubyRsa,
    s3cse: () => new RawRsaKeyring({ privateKey: keys.rsaPrivateKeyPem }),
  },
];

const refFor = (key: string) => ({ s3: fx.aws.s3, bucket: fx.aws.bucket, key });
const rubyReq = (key: string, mode: Mode) => ({
  endpoint: fx.aws.moto.endpoint,
  bucket: fx.aws.bucket,
  key,
  client: "v2" as const,
  keyring: mode.ruby(),
});

describe.each(MODES)("$name", (mode) => {
  test.each(SIZES)("Ruby EncryptionV2 writes a %i-byte object; s3-cse reads it byte-exact", async (size) => {
    const p = fx.plaintext(size);
    const key = `ruby-v2-${mode.wrap.replace("/", "-")}-${size}`;
    await rubyOk({ ...rubyReq(key, mode), op: "put", file: p.file });
    const meta = await userMetadata(refFor(key));
    expect(Object.keys(meta).sort()).toEqual(V2_GCM_KEYS);
    expect(meta).toMatchObject({
      "x-amz-wrap-alg": mode.wrap,
      "x-amz-cek-alg": "AES/GCM/NoPadding",
      "x-amz-tag-len": "128",
      "x-amz-matdesc": "{}",
      "x-amz-unencrypted-content-length": String(size),
    });
    expect(Buffer.from(meta["x-amz-key-v2"]!, "base64")).toHaveLength(mode.wrappedLength);
    expect(Buffer.from(meta["x-amz-iv"]!, "base64")).toHaveLength(12);
    expect((await objectBody(refFor(key))).length).toBe(size + 16);

    const got = await s3cseDownload(refFor(key), {
      keyring: mode.s3cse(),
      file: fx.outFile(`${key}.out`),
      commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT",
    });
    expect(got).toMatchObject({ format: "v2", bytes: size, sha256: p.sha256 });
  });

  test.each(SIZES)(
    "s3-cse writes a %i-byte V2 object; Ruby EncryptionV2 reads it byte-exact",
    async (size) => {
      const p = fx.plaintext(size);
      const key = `s3cse-v2-${mode.wrap.replace("/", "-")}-${size}`;
      const up = await s3cseUpload(refFor(key), { keyring: mode.s3cse(), format: "v2", file: p.file });
      expect(up.metadata).toMatchObject({ "x-amz-wrap-alg": mode.wrap, "x-amz-matdesc": "{}" });
      expect(Object.keys(await userMetadata(refFor(key))).sort()).toEqual(V2_GCM_KEYS);
      const got = await rubyOk({ ...rubyReq(key, mode), op: "get", file: fx.outFile(`${key}.out`) });
      expect(got).toMatchObject({ bytes: size, sha256: p.sha256 });
    },
  );
});
