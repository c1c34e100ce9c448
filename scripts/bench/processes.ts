/**
 * The processes a benchmark run starts: the sink (once) and one child per measurement. Each
 * is tracked by pid and killed when the run ends, fails or is interrupted; children also exit
 * by themselves when their IPC channel to this process closes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildResult, ChildSpec, Measurement } from "./child.js";
import { otherCores, sampleCpu } from "./machine.js";

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const live = new Set<ChildProcess>();

function start(script: string, args: string[], cwd?: string): ChildProcess {
  return track(
    spawn(process.execPath, ["--no-warnings", "--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "inherit", "ipc"],
      ...(cwd ? { cwd } : {}),
    }),
  );
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Kills every process this run started (by pid). Safe to call more than once. */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }
  live.clear();
}

async function readAll(child: ChildProcess): Promise<string> {
  let out = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (s: string) => {
    out += s;
  });
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  if (code !== 0) throw new Error(`${child.spawnargs.join(" ")} exited with ${code ?? signal}`);
  return out;
}

export interface Sink {
  readonly endpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface SinkSettings {
  readonly tls?: { readonly keyFile: string; readonly certFile: string };
  /** Per-connection cap, MB/s (0 = none). */
  readonly capMBps?: number;
}

export async function startSinkProcess(dir: string, settings: SinkSettings = {}): Promise<Sink> {
  const args = ["--dir", dir];
  if (settings.tls) args.push("--tls-key", settings.tls.keyFile, "--tls-cert", settings.tls.certFile);
  if (settings.capMBps) args.push("--cap-mbps", String(settings.capMBps));
  const child = start(here("./sink/main.ts"), args);
  child.stdout?.setEncoding("utf8");
  const endpoint = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.once("exit", (code) => reject(new Error(`sink exited with ${code}`)));
    child.stdout?.on("data", (s: string) => {
      buf += s;
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve((JSON.parse(buf.slice(0, nl)) as { endpoint: string }).endpoint);
    });
  });
  return {
    endpoint,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** How a configuration outside Node is started: the venv's python, driver.py and its mode. */
export interface ExternalCommand {
  readonly python: string;
  readonly driver: string;
  readonly mode: string;
}

/**
 * Runs one configuration in a fresh process and returns its measurements. With `tree`, the
 * child runs from that checkout instead (A/B comparisons against another commit); with
 * `external`, a Python driver runs it.
 */
export async function runChild(
  spec: ChildSpec,
  sinkPid: number | undefined,
  tree?: string,
  external?: ExternalCommand,
): Promise<Measurement> {
  const before = sampleCpu(sinkPid);
  const script = tree ? join(tree, "scripts/bench/child.ts") : here("./child.ts");
  const child = external
    ? track(
        spawn(external.python, [external.driver, external.mode, JSON.stringify(spec)], {
          stdio: ["ignore", "pipe", "inherit"],
        }),
      )
    : start(script, [JSON.stringify(spec)], tree);
  const out = await readAll(child);
  const after = sampleCpu(sinkPid);
  const last = out.trim().split("\n").pop() ?? "";
  const result = JSON.parse(last) as ChildResult;
  return {
    ...result,
    sinkCpuSeconds: after.sink - before.sink,
    otherCores: otherCores(before, after, result.cpuProcessSeconds),
  };
}
