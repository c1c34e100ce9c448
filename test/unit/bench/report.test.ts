import { describe, expect, it } from "vitest";
import type { Measurement } from "../../../scripts/bench/child.js";
import { type Environment, summarize, toMarkdown, versusCell } from "../../../scripts/bench/report.js";

const GB = 1e9;
const env: Environment = {
  node: "20",
  openssl: "3",
  clientS3: "x",
  libStorage: "x",
  cores: 2,
  cpu: "test",
  sizeBytes: GB,
  partSize: 16 * 2 ** 20,
  concurrency: 4,
  readHighWaterMark: 2 ** 20,
  unsignedPayload: false,
  rounds: 2,
  transport: "https",
  capMBps: 60,
  skipped: ["awscli-put: the aws CLI could not be installed: no network"],
};

/** A measurement of `mbps` MB/s using `cpu` CPU seconds for the 1 GB transfer. */
const m = (config: string, mbps: number, cpu: number): Measurement => ({
  config,
  seconds: 1000 / mbps,
  cpuUserSeconds: cpu,
  cpuSystemSeconds: 0,
  maxRssMiB: 100,
  rssBeforeMiB: 90,
  cpuProcessSeconds: cpu,
  sinkCpuSeconds: 0.5,
  otherCores: 0,
});

describe("bench report (ratios against the other clients)", () => {
  const names = ["plain", "cse-v3", "py-v3"];
  const rounds = [
    new Map([
      ["plain", m("plain", 400, 3)],
      ["cse-v3", m("cse-v3", 480, 2)],
      ["py-v3", m("py-v3", 400, 2.5)],
    ]),
    new Map([
      ["plain", m("plain", 200, 3)],
      ["cse-v3", m("cse-v3", 300, 2)],
      ["py-v3", m("py-v3", 250, 2.5)],
    ]),
  ];
  const report = summarize(env, names, rounds);
  const cse = report.configs.find((c) => c.config === "cse-v3")!;

  it("takes the median of the per-round ratios, not the ratio of medians", () => {
    // Round ratios to plain: 1.2 and 1.5 → median 1.35 (ratio of medians would be 390/300 = 1.3).
    expect(cse.ratio).toBeCloseTo(1.35, 9);
    // To py-v3: 1.2 and 1.2; CPU per GB 2 / 2.5 = 0.8 in both rounds.
    expect(cse.versus["py-v3"]?.mbps).toBeCloseTo(1.2, 9);
    expect(cse.versus["py-v3"]?.cpuSecondsPerGB).toBeCloseTo(0.8, 9);
    expect(cse.cpuSecondsPerGB).toBeCloseTo(2, 9);
  });

  it("compares each configuration with every reference that ran, never with itself", () => {
    expect(Object.keys(cse.versus).sort()).toEqual(["plain", "py-v3"]);
    const py = report.configs.find((c) => c.config === "py-v3")!;
    expect(Object.keys(py.versus)).toEqual(["plain"]);
    // awscli-put did not run: no ratio to it.
    expect(cse.versus["awscli-put"]).toBeUndefined();
  });

  it("renders the transport, the cap, the references and the skipped clients", () => {
    const md = toMarkdown(report);
    expect(md).toContain("HTTPS");
    expect(md).toContain("sink capped at 60 MB/s per connection");
    expect(versusCell(cse)).toBe("1.20× / 0.80× py-v3");
    expect(md).toContain("Skipped: awscli-put: the aws CLI could not be installed");
  });
});
