/**
 * The progress bar on a real terminal (the built binary under a pseudo-terminal): it follows the bytes
 * S3 acknowledged, not the bytes read — a part's bytes count only once its UploadPart answered — and
 * downloads draw a bar too; --no-progress and --quiet draw none.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CREDENTIALS } from "../../scripts/support/moto-server.js";
import { startTestAws, type TestAws } from "../support/aws.js";
import { runBuiltCliOnTty, terminalFrames } from "../support/cli.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";

const MiB = 1024 * 1024;
let aws: TestAws;
let proxy: FaultProxy;
let dir: string;
let file: string;
let env: NodeJS.ProcessEnv;
const data = randomBytes(11 * MiB); // 3 parts of 5 MiB: part 1 alone is 45 %

beforeAll(async () => {
  aws = await startTestAws();
  proxy = await startFaultProxy(aws.moto.endpoint);
  dir = await mkdtemp(join(tmpdir(), "s3cse-progress-"));
  file = join(dir, "Bar.bak");
  await writeFile(file, data);
  env = {
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
});
afterAll(async () => {
  await proxy?.close();
  await aws?.stop();
  await rm(dir, { recursive: true, force: true });
});

const upload = (key: string, ...extra: string[]) => [
  "upload",
  file,
  `s3://${aws.bucket}/${key}`,
  "--kms-key-id",
  aws.aliasName,
  "--format",
  "rds",
  "--part-size",
  "5MiB",
  "--endpoint-url",
  proxy.endpoint,
  ...extra,
];
const percentages = (frames: string[]) =>
  frames
    .map((f) => /\]\s+(\d+)% \|/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);

describe("progress bar on a terminal (built binary)", () => {
  it("an upload's bar counts bytes S3 acknowledged: while parts 2 and 3 wait for S3's answer it stays at part 1's 45 %", async () => {
    proxy.clearRules();
    // S3 stores parts 2 and 3 at once but answers 2.5 s late: everything was read long before.
    proxy.addRule({ method: "PUT", path: /partNumber=[23]&/, fault: { kind: "delay", ms: 2500 } });
    const r = await runBuiltCliOnTty(upload("bar/up.bak"), { env });
    expect(r.code).toBe(0);
    const frames = terminalFrames(r.stdout);
    const shown = percentages(frames);
    // 45 % (part 1) while parts 2 and 3 wait; 54 % if the 1 MiB part 3 is answered before part 2;
    // 100 % only after both answers. Counting bytes read, the bar was at 100 % before part 1's answer.
    expect(shown).toContain(45);
    expect(shown.filter((p) => ![0, 45, 54, 100].includes(p))).toEqual([]);
    expect(shown.indexOf(100)).toBeGreaterThan(shown.lastIndexOf(45));
    expect(shown.at(-1)).toBe(100);
    // rate and ETA on the bar, the parts done as its label
    const mid = frames.find((f) => /\]\s+45% \|/.test(f))!;
    expect(mid).toMatch(/5\.0 MiB \/ 11\.0 MiB \| [\d.]+ [KMG]?i?B\/s \| ETA \S+ \| 1 part done/);
    expect(r.stdout).toMatch(/uploaded 11534336 bytes to s3:\/\/\S+\/bar\/up\.bak \(rds, 3 parts\)/);
  }, 90_000);

  it("a download draws a bar that ends at the object's size", async () => {
    proxy.clearRules();
    const out = join(dir, "down.bak");
    const r = await runBuiltCliOnTty(
      ["download", `s3://${aws.bucket}/bar/up.bak`, out, "--allow-legacy", "--endpoint-url", proxy.endpoint],
      { env },
    );
    expect(r.code).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
    const shown = percentages(terminalFrames(r.stdout));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.at(-1)).toBe(100);
  }, 90_000);

  it("cp --recursive draws a line for the set (bytes of all files, k/n files, rate, ETA) and one per file in flight", async () => {
    proxy.clearRules();
    const root = join(dir, "set");
    await mkdir(join(root, "sub"), { recursive: true });
    await writeFile(join(root, "a.bak"), randomBytes(6 * MiB));
    await writeFile(join(root, "sub", "b.bak"), randomBytes(6 * MiB));
    const r = await runBuiltCliOnTty(
      [
        "cp",
        "--recursive",
        root,
        `s3://${aws.bucket}/setbar/`,
        "--kms-key-id",
        aws.aliasName,
        "--format",
        "rds",
        "--part-size",
        "5MiB",
        "--endpoint-url",
        proxy.endpoint,
      ],
      { env },
    );
    expect(r.code).toBe(0);
    const frames = terminalFrames(r.stdout);
    const setLines = frames.filter((f) => /^upload 2 files rds \[.*\| \d\/2 files \|/.test(f));
    expect(setLines.length).toBeGreaterThan(0);
    expect(setLines.at(-1)).toMatch(/100% \| 12\.0 MiB \/ 12\.0 MiB \| 2\/2 files \| .*\| ETA /);
    expect(frames.some((f) => /^ {2}a\.bak \[/.test(f))).toBe(true);
    expect(frames.some((f) => /^ {2}sub\/b\.bak \[/.test(f))).toBe(true);
    expect(r.stdout).toMatch(/uploaded 6291456 bytes to s3:\/\/\S+\/setbar\/sub\/b\.bak/);
  }, 90_000);

  it("--no-progress and --quiet draw no bar on a terminal", async () => {
    proxy.clearRules();
    for (const flag of ["--no-progress", "--quiet"]) {
      const r = await runBuiltCliOnTty(upload(`bar/${flag}.bak`, flag), { env });
      expect(r.code).toBe(0);
      expect(percentages(terminalFrames(r.stdout))).toEqual([]);
      if (flag === "--quiet") expect(r.stdout.trim()).toBe("");
      else expect(r.stdout).toMatch(/uploaded /);
    }
  }, 90_000);
});
