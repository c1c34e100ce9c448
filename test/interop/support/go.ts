/**
 * The Go driver (test/interop/go/main.go) around aws-sdk-go v1's s3crypto, built offline in
 * GOPATH mode against Debian's golang-github-aws-aws-sdk-go-dev. The binary is cached in the
 * OS temp dir under a hash of the driver source and Go version, never committed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DriverReply, INTEROP_DIR, requireRuntime, runDriver, runDriverOk } from "./runtime.js";

export const GO_APT_PACKAGES = ["golang-go", "golang-github-aws-aws-sdk-go-dev"];
const SOURCE_DIR = join(INTEROP_DIR, "go");
const DEBIAN_GOPATH = "/usr/share/gocode";

export interface GoRequest {
  endpoint: string;
  bucket: string;
  key: string;
  op: "put" | "get";
  client: "v2" | "v1-cbc" | "v1-gcm";
  kmsKeyId: string;
  file: string;
  context?: Record<string, string>;
  instructionFile?: boolean;
}

let binary: string | undefined;

/** Builds the driver once (cached by source hash); throws naming the apt packages if Go or the SDK is missing. */
export function buildGoDriver(): string {
  if (binary) return binary;
  requireRuntime("Go", ["go", "version"], GO_APT_PACKAGES);
  const sdk = join(DEBIAN_GOPATH, "src/github.com/aws/aws-sdk-go/service/s3/s3crypto");
  if (!existsSync(sdk)) {
    throw new Error(
      `aws-sdk-go's s3crypto is not installed at ${sdk}. The interop tests need it: ` +
        `apt-get install -y ${GO_APT_PACKAGES.join(" ")}`,
    );
  }
  const version = spawnSync("go", ["version"], { encoding: "utf8" }).stdout.trim();
  const hash = createHash("sha256")
    .update(readFileSync(join(SOURCE_DIR, "main.go")))
    .update(version)
    .digest("hex")
    .slice(0, 16);
  const dir = join(tmpdir(), "s3cse-interop-go");
  const target = join(dir, `s3crypto-driver-${hash}`);
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    const r = spawnSync("go", ["build", "-o", partial, "."], {
      cwd: SOURCE_DIR,
      encoding: "utf8",
      timeout: 120_000,
      env: {
        ...process.env,
        GO111MODULE: "off",
        GOPATH: `${join(dir, "gopath")}:${DEBIAN_GOPATH}`,
        GOCACHE: process.env.GOCACHE ?? join(dir, "gocache"),
        GOPROXY: "off",
        GOFLAGS: "",
      },
    });
    if (r.status !== 0) throw new Error(`go build of the s3crypto driver failed:\n${r.stderr}${r.stdout}`);
    renameSync(partial, target);
  }
  binary = target;
  return target;
}

export const goDriver = (request: GoRequest): Promise<DriverReply> => runDriver(buildGoDriver(), [], request);
export const goDriverOk = (request: GoRequest): Promise<DriverReply> =>
  runDriverOk(buildGoDriver(), [], request);
