import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// The README's one-line install from a git URL, on this machine's npm, from a bare clone of this
// repository's HEAD (commit first: the working tree is not what a git URL gets). It installs every
// dependency and devDependency into npm's temporary clone and builds dist/ there (about 90 s on the
// shared 2-core CI box), so it runs only where .ci/run sets S3CSE_INSTALL_TEST=1.
const ENABLED = process.env.S3CSE_INSTALL_TEST === "1";
const root = process.cwd();
const work = mkdtempSync(join(tmpdir(), "s3cse-git-install-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function bareClone(): string {
  const repo = join(work, "s3-cse.git");
  if (!existsSync(repo)) expect(sh("git", ["clone", "--quiet", "--bare", root, repo], work).code).toBe(0);
  return repo;
}

describe.runIf(ENABLED)(
  "install from a git URL (README: Install) — S3CSE_INSTALL_TEST=1, run by .ci/run",
  () => {
    const version = JSON.parse(readFileSync("package.json", "utf8")).version as string;

    it('`npm install -g "./$(npm pack --silent git+file://…)"` gives a working s3-cse command', () => {
      const url = `git+file://${bareClone()}`;
      const packDir = join(work, "pack");
      mkdirSync(packDir);
      // npm pack of a git spec: npm clones it, installs its dependencies and devDependencies, runs
      // `prepare` (tsup --silent, so stdout is only the tarball's name) and packs the result.
      const pack = sh("npm", ["pack", "--silent", "--prefer-offline", url], packDir);
      expect(pack.code, pack.stderr).toBe(0);
      const tarball = pack.stdout.trim();
      expect(tarball).toBe(`s3-cse-${version}.tgz`);
      const prefix = join(work, "global");
      const install = sh(
        "npm",
        ["install", "-g", "--prefer-offline", "--prefix", prefix, `./${tarball}`],
        packDir,
      );
      expect(install.code, install.stderr).toBe(0);
      const bin = join(prefix, "bin", "s3-cse");
      const v = sh(bin, ["--version"], work);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout.trim()).toBe(version);
      const help = sh(bin, ["cp", "--help"], work);
      expect(help.stdout).toMatch(/--sse/);
    }, 300_000);

    it("the plain `npm install -g git+file://…` is still broken by npm itself (npm/cli#8440; fixed by npm/pacote#494, not in npm 11's pacote 21.x): when this fails, the README may switch back to it", () => {
      const prefix = join(work, "plain");
      const r = sh(
        "npm",
        ["install", "-g", "--prefer-offline", "--prefix", prefix, `git+file://${bareClone()}`],
        work,
      );
      const bin = join(prefix, "bin", "s3-cse");
      const works = r.code === 0 && sh(bin, ["--version"], work).stdout.trim() === version;
      // npm runs the clone's `npm install` with the outer -g inherited (npm_config_global=true): it
      // installs the clone itself globally instead of its devDependencies (`sh: tsup: not found`),
      // and the global entry ends up a link into npm's deleted temporary clone.
      expect(works, `${r.stdout}\n${r.stderr}`).toBe(false);
    }, 300_000);
  },
);
