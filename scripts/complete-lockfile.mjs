#!/usr/bin/env node
// The npm registry mirror on this project's machines serves only linux-x64 builds of packages
// that ship one optional binary package per platform (esbuild, rollup, biome). npm therefore
// leaves the other platforms out of package-lock.json, and `npm ci` then rejects the lock as
// "out of sync". This adds the missing entries, tagged with the os/cpu/libc their names state,
// so `npm ci` skips them on this platform (without fetching) and installs them elsewhere.
// Run after any `npm install` that changes dependencies: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const OS = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "win32",
  "openbsd",
  "netbsd",
  "sunos",
  "aix",
  "openharmony",
  "cygwin",
];
const CPU = {
  arm64: "arm64",
  x64: "x64",
  ia32: "ia32",
  arm: "arm",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
  mips64el: "mips64el",
  mips64: "mips64",
  ppc64le: "ppc64",
};

function platformOf(name) {
  const base = name.split("/").pop();
  const parts = base.replace(/^(cli|rollup|sharp)-/, "").split("-");
  const os = parts.find((p) => OS.includes(p)) ?? (parts.includes("wasm32") ? undefined : undefined);
  const cpu = parts.map((p) => CPU[p]).find(Boolean);
  const libc = parts.some((p) => p.startsWith("musl"))
    ? "musl"
    : os === "linux" && parts.some((p) => p.startsWith("gnu"))
      ? "glibc"
      : undefined;
  return { os, cpu, libc };
}

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const where = `node_modules/${dep}`;
    if (lock.packages[where]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os && !cpu) continue;
    lock.packages[where] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(os ? { os: [os] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    };
    added++;
  }
  void path;
}
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
