/**
 * The encryption worker as the package ships it: dist/pipeline/encrypt-worker.js, a tsup entry that
 * the ESM and CJS bundles find next to themselves. A child process loads each bundle, uploads with
 * `encryptInWorker: true` to moto_server, and the object decrypts (through src/) to the same bytes.
 * (Byte-identical parts, worker against this thread: test/unit/pipeline/encrypt-parts-worker.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from "../../scripts/support/moto-server.js";
import { KmsKeyring } from "../../src/materials/kms-keyring.js";
import { encryptWorkerScript } from "../../src/pipeline/worker-script.js";
import { openDecryptedStream } from "../../src/transfer/download.js";
import { ensureBuilt } from "../support/cli.js";
import { useTempDir, useTestAws } from "../support/fixtures.js";

const aws = useTestAws();
const dir = useTempDir("s3cse-worker-");
let file: string;
const data = randomBytes(11 * 1024 * 1024 + 7);
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  ensureBuilt();
  if (!existsSync("dist/pipeline/encrypt-worker.js")) {
    const r = spawnSync(process.execPath, ["node_modules/.bin/tsup"], { stdio: "pipe" });
    if (r.status !== 0) throw new Error(`tsup failed: ${r.stderr}`);
  }
  file = join(dir, "in.bin");
  await writeFile(file, data);
}, 180_000);

const uploadCode = (load: string) => `
const { encryptAndUploadFile, KmsKeyring } = ${load};
const { S3Client } = require(${JSON.stringify(require.resolve("@aws-sdk/client-s3"))});
const { KMSClient } = require(${JSON.stringify(require.resolve("@aws-sdk/client-kms"))});
const e = process.env;
const common = { endpoint: e.ENDPOINT, region: e.AWS_REGION };
const s3 = new S3Client({ ...common, forcePathStyle: true });
const kms = new KMSClient(common);
encryptAndUploadFile({ s3, bucket: e.BUCKET, key: e.KEY, file: e.FILE, format: e.FORMAT,
  keyring: new KmsKeyring({ client: kms, keyId: e.KEY_ID }), partSize: 5 * 1024 * 1024, encryptInWorker: true })
  .then((r) => { console.log(JSON.stringify({ parts: r.parts })); s3.destroy(); kms.destroy(); })
  .catch((err) => { console.error(err); process.exit(1); });
`;

const BUNDLES = {
  esm: [
    "--input-type=module",
    "-e",
    `import { createRequire } from "node:module"; const require = createRequire(${JSON.stringify(`${resolve("package.json")}`)});\n${uploadCode(`await import(${JSON.stringify(resolve("dist/index.js"))})`)}`,
  ],
  cjs: ["-e", uploadCode(`require(${JSON.stringify(resolve("dist/index.cjs"))})`)],
} as const;

describe("the built encryption worker", () => {
  for (const [bundle, args] of Object.entries(BUNDLES)) {
    for (const format of ["v3", "rds"] as const) {
      it(`${bundle} bundle, ${format}: encryptInWorker finds dist/pipeline/encrypt-worker.js and the object decrypts`, async () => {
        const key = `worker/${bundle}-${format}.bin`;
        const r = spawnSync(process.execPath, args, {
          encoding: "utf8",
          cwd: tmpdir(),
          env: {
            PATH: process.env.PATH,
            ENDPOINT: aws.moto.endpoint,
            AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
            AWS_REGION: EMULATOR_REGION,
            BUCKET: aws.bucket,
            KEY: key,
            KEY_ID: aws.keyId,
            FILE: file,
            FORMAT: format,
          },
        });
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toEqual({ parts: 3 });
        const opened = await openDecryptedStream({
          s3: aws.s3,
          bucket: aws.bucket,
          key,
          keyring: new KmsKeyring({ client: aws.kms, keyId: aws.keyId }),
          allowLegacy: format === "rds",
        });
        const chunks: Buffer[] = [];
        for await (const c of opened.stream) chunks.push(c as Buffer);
        expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));
      }, 60_000);
    }
  }

  it("Precondition: the encryption worker's module is installed next to the library", () => {
    expect(() => encryptWorkerScript(`file://${dir}/index.js`)).toThrow(
      /encryption worker module .* was not found/,
    );
    expect(String(encryptWorkerScript(`file://${resolve("dist/index.js")}`).script)).toMatch(
      /dist\/pipeline\/encrypt-worker\.js$/,
    );
    expect(String(encryptWorkerScript(`file://${resolve("dist/cli/main.js")}`).script)).toMatch(
      /dist\/pipeline\/encrypt-worker\.js$/,
    );
  });
});
