import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs, { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ErrorCodes } from "../../src/errors.js";
import { downloadToFile } from "../../src/transfer/download.js";
import { kmsKeyring, putEncrypted, useTempDir, useTestAws } from "../support/fixtures.js";
import { recordingClient } from "../support/recording-client.js";

const aws = useTestAws();
const root = useTempDir("s3cse-target-");
const keyring = () => kmsKeyring(aws);
let n = 0;
const freshDir = async () => {
  const d = join(root, `d${n++}`);
  await mkdir(d);
  return d;
};

const put = (key: string, data: Buffer, format: "v3" | "rds" = "v3") => putEncrypted(aws, key, data, format);

function download(
  file: string,
  key: string,
  s3: { send: typeof aws.s3.send } = aws.s3,
  signal?: AbortSignal,
) {
  return downloadToFile({
    s3,
    bucket: aws.bucket,
    key,
    file,
    keyring: keyring(),
    allowLegacy: true,
    // These tests are about the target file; a failed body fails at once instead of being resumed.
    maxRetries: 0,
    ...(signal ? { signal } : {}),
  });
}

describe("download targets that are not regular files", () => {
  it("Precondition: an existing download target is a regular file — a FIFO is refused and stays a FIFO", async () => {
    await put("tgt/fifo.bin", randomBytes(1000));
    const dir = await freshDir();
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const s3 = recordingClient(aws.s3);
    const err = await download(fifo, "tgt/fifo.bin", s3).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.NOT_A_REGULAR_FILE });
    expect(err.message).toMatch(/FIFO/);
    expect(s3.names()).not.toContain("GetObject");
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect(await readdir(dir)).toEqual(["fifo"]);
  });

  it("Precondition: an existing download target is a regular file — a symlink to /dev/null is refused; the link and the device stay", async () => {
    await put("tgt/null.bin", randomBytes(1000));
    const dir = await freshDir();
    const link = join(dir, "null");
    await symlink("/dev/null", link);
    const err = await download(link, "tgt/null.bin").catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCodes.NOT_A_REGULAR_FILE });
    expect(err.message).toMatch(/character device/);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await stat(link)).isCharacterDevice()).toBe(true);
    expect((await stat("/dev/null")).isCharacterDevice()).toBe(true);
    expect(await readdir(dir)).toEqual(["null"]);
  });

  it("Precondition: the download target is not a dangling symlink", async () => {
    await put("tgt/dangling.bin", randomBytes(100));
    const dir = await freshDir();
    const link = join(dir, "dangling");
    await symlink(join(dir, "missing"), link);
    await expect(download(link, "tgt/dangling.bin")).rejects.toMatchObject({
      code: ErrorCodes.NOT_A_REGULAR_FILE,
    });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readdir(dir)).toEqual(["dangling"]);
  });

  it("a symlink to a regular file: the file it points to is replaced, the link stays", async () => {
    const data = randomBytes(3000);
    await put("tgt/linked.bin", data);
    const dir = await freshDir();
    const real = join(dir, "real.bin");
    await writeFile(real, "old");
    const link = join(dir, "link.bin");
    await symlink(real, link);
    const result = await download(link, "tgt/linked.bin");
    expect(result.file).toBe(real);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await readFile(real)).equals(data)).toBe(true);
  });

  it("a directory target gets DIR/<key basename>, as aws s3 cp does", async () => {
    const data = randomBytes(2000);
    await put("tgt/sub/backup.bak", data);
    const dir = await freshDir();
    const result = await download(dir, "tgt/sub/backup.bak");
    expect(result.file).toBe(join(dir, "backup.bak"));
    expect((await readFile(join(dir, "backup.bak"))).equals(data)).toBe(true);
    expect(await readdir(dir)).toEqual(["backup.bak"]);
  });

  it("a path ending in / is a directory (created if missing)", async () => {
    const data = randomBytes(200);
    await put("tgt/slash.bin", data);
    const dir = join(await freshDir(), "new-dir");
    const result = await download(`${dir}/`, "tgt/slash.bin");
    expect(result.file).toBe(join(dir, "slash.bin"));
    expect((await readFile(join(dir, "slash.bin"))).equals(data)).toBe(true);
  });

  it("Precondition: a directory target needs a key with a usable basename — checked before any GetObject", async () => {
    const dir = await freshDir();
    const s3 = recordingClient(aws.s3);
    await expect(download(dir, "tgt/folder/", s3)).rejects.toMatchObject({
      code: ErrorCodes.INVALID_ARGUMENT,
    });
    expect(s3.sent).toEqual([]);
  });

  it("a directory whose DIR/<key basename> is itself a directory is refused before any GetObject", async () => {
    await put("tgt/clash.bin", randomBytes(100));
    const dir = await freshDir();
    await mkdir(join(dir, "clash.bin"));
    const s3 = recordingClient(aws.s3);
    await expect(download(dir, "tgt/clash.bin", s3)).rejects.toMatchObject({
      code: ErrorCodes.NOT_A_REGULAR_FILE,
    });
    expect(s3.sent).toEqual([]);
  });

  it("Precondition: the download target path is non-empty", async () => {
    const s3 = recordingClient(aws.s3);
    await expect(download("", "tgt/x.bin", s3)).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    expect(s3.sent).toEqual([]);
  });

  it("Precondition: the download target's directory exists", async () => {
    const dir = await freshDir();
    const s3 = recordingClient(aws.s3);
    await expect(download(join(dir, "no", "such", "x.bin"), "tgt/clash.bin", s3)).rejects.toMatchObject({
      code: ErrorCodes.IO_FAILURE,
    });
    expect(s3.sent).toEqual([]);
  });
});

describe("partial files and the final mode", () => {
  it("a download rejected while it starts never leaves a partial file (50 rounds, slow disk)", async () => {
    await put("tgt/race.bin", randomBytes(64 * 1024));
    const dir = await freshDir();
    // The body fails on its first read (a connection reset), so the decrypt stream is already
    // destroyed when the file write starts: a cleanup that does not wait for the file's creation
    // runs before it. A slow disk (every callback-style fs.open, which write streams use, lags by
    // 20 ms) turns that race, rare on a fast disk, into a certainty.
    const s3 = {
      // biome-ignore lint/suspicious/noExplicitAny: pass-through of SDK commands.
      send: async (command: any, options?: any) => {
        // biome-ignore lint/suspicious/noExplicitAny: any command's output.
        const out: any = await aws.s3.send(command, options);
        if (command.constructor.name !== "GetObjectCommand") return out;
        (out.Body as Readable).destroy();
        const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
        return {
          ...out,
          Body: new Readable({
            read() {
              this.destroy(reset);
            },
          }),
        };
      },
    };
    const realOpen = fs.open;
    // biome-ignore lint/suspicious/noExplicitAny: forwarding fs.open's overloads.
    (fs as any).open = (...args: any[]) => setTimeout(() => (realOpen as any)(...args), 20);
    let leftovers = 0;
    try {
      for (let round = 0; round < 50; round++) {
        await expect(download(join(dir, "race.out"), "tgt/race.bin", s3)).rejects.toBeInstanceOf(Error);
        // Let a lagging open finish before looking.
        await new Promise((r) => setTimeout(r, 40));
        const names = await readdir(dir);
        leftovers += names.length;
        for (const name of names) await rm(join(dir, name));
      }
    } finally {
      fs.open = realOpen;
    }
    expect(leftovers).toBe(0);
  });

  it("the downloaded file's mode follows the umask (0666 & ~umask), not 0600", async () => {
    const data = randomBytes(500);
    await put("tgt/mode.bin", data);
    const dir = await freshDir();
    const previous = process.umask(0o022);
    try {
      await download(join(dir, "a.out"), "tgt/mode.bin");
      expect((await stat(join(dir, "a.out"))).mode & 0o777).toBe(0o644);
      process.umask(0o007);
      await download(join(dir, "b.out"), "tgt/mode.bin");
      expect((await stat(join(dir, "b.out"))).mode & 0o777).toBe(0o660);
    } finally {
      process.umask(previous);
    }
    expect(existsSync(join(dir, "a.out"))).toBe(true);
  });
});
