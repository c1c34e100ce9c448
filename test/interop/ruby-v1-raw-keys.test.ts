/**
 * Ruby's legacy Aws::S3::Encryption::Client with raw keys writes V1 objects (`x-amz-key`, no
 * wrap-alg, AES-CBC): AES-ECB-wrapped data key (AES KEK) or PKCS#1 v1.5 (RSA). s3-cse reads
 * them only with the legacy flag.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { type Keyring, RawAesKeyring, RawRsaKeyring } from "../../src/index.js";
import { useInteropFixture } from "./support/fixture.js";
import { makeRawKeys, type RawKeys } from "./support/raw-keys.js";
import { type RubyKeyring, requireRuby, rubyOk } from "./support/ruby.js";
import { failEveryTestUnless } from "./support/runtime.js";
import { objectBody, s3cseDownload, userMetadata } from "./support/s3cse.js";

const SIZES = [0, 17, 3 * 1024 * 1024 + 5] as const;
const V1_KEYS = ["x-amz-iv", "x-amz-key", "x-amz-matdesc", "x-amz-unencrypted-content-length"];

failEveryTestUnless(requireRuby);

const fx = useInteropFixture();
let keys: RawKeys;
beforeAll(async () => {
  keys = makeRawKeys();
});

interface Mode {
  name: string;
  wrappedLength: number;
  ruby: () => RubyKeyring;
  s3cse: () => Keyring;
}

const MODES: Mode[] = [
  {
    name: "AES key (AES-256-ECB/PKCS#7 wrap)",
    wrappedLength: 48,
    ruby: () => keys.rubyAes,
    s3cse: () => new RawAesKeyring({ key: keys.aesKek }),
  },
  {
    name: "RSA key (PKCS#1 v1.5 wrap)",
    wrappedLength: 256,
    ruby: () => keys.rubyRsa,
    s3cse: () => new RawRsaKeyring({ privateKey: keys.rsaPrivateKeyPem }),
  },
];

const cbcLength = (n: number) => 16 * (Math.floor(n / 16) + 1);

describe.each(MODES)("Ruby V1 client with an $name, s3-cse reads with --allow-legacy", (mode) => {
  test.each(SIZES)("%i-byte object decrypts byte-exact; refused without the legacy flag", async (size) => {
    const p = fx.plaintext(size);
    const key = `ruby-v1-${mode.wrappedLength}-${size}`;
    const ref = { s3: fx.aws.s3, bucket: fx.aws.bucket, key };
    await rubyOk({
      endpoint: fx.aws.moto.endpoint,
      bucket: fx.aws.bucket,
      key,
      op: "put",
      client: "v1",
      keyring: mode.ruby(),
      file: p.file,
    });
    const meta = await userMetadata(ref);
    expect(Object.keys(meta).sort()).toEqual(V1_KEYS);
    expect(meta).toMatchObject({ "x-amz-matdesc": "{}", "x-amz-unencrypted-content-length": String(size) });
    expect(Buffer.from(meta["x-amz-key"]!, "base64")).toHaveLength(mode.wrappedLength);
    expect(Buffer.from(meta["x-amz-iv"]!, "base64")).toHaveLength(16);
    expect((await objectBody(ref)).length).toBe(cbcLength(size));

    const file = fx.outFile(`${key}.out`);
    await expect(
      s3cseDownload(ref, { keyring: mode.s3cse(), file, commitmentPolicy: "REQUIRE_ENCRYPT_ALLOW_DECRYPT" }),
    ).rejects.toMatchObject({
      code: "LEGACY_MODE_REQUIRED",
      message: expect.stringContaining("--allow-legacy"),
    });
    const got = await s3cseDownload(ref, { keyring: mode.s3cse(), file, allowLegacy: true });
    expect(got).toMatchObject({
      format: "v1",
      contentAlgorithm: "AES/CBC/PKCS5Padding",
      bytes: size,
      sha256: p.sha256,
    });
  });
});
