import { randomBytes } from "node:crypto";
import { createServer, get, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "../../support/fault-proxy.js";

const body = randomBytes(200_000);
let upstream: Server;
let proxy: FaultProxy;
/** What the upstream received of each request: body bytes, and whether the body was complete. */
const received: { url: string; bytes: number; complete: boolean }[] = [];
let receivedOne: (() => void) | undefined;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const got = { url: req.url ?? "", bytes: 0, complete: false };
    req.on("data", (c: Buffer) => {
      got.bytes += c.length;
    });
    req.on("end", () => {
      got.complete = true;
    });
    req.on("close", () => {
      received.push(got);
      receivedOne?.();
    });
    req.on("end", () => {
      res.writeHead(200, { "content-length": body.length, etag: '"abc"' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await proxy?.close();
  await new Promise((r) => upstream?.close(r));
});

interface Got {
  status: number;
  data: Buffer;
  error?: Error;
  ms: number;
}

function fetchRaw(path: string, headers: Record<string, string> = {}): Promise<Got> {
  const started = Date.now();
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const req = get(`${proxy.endpoint}${path}`, { headers, agent: false }, (res) => {
      res.on("data", (c: Buffer) => parts.push(c));
      const done = (error?: Error) =>
        resolve({
          status: res.statusCode ?? 0,
          data: Buffer.concat(parts),
          ...(error ? { error } : {}),
          ms: Date.now() - started,
        });
      res.on("end", () => done(res.complete ? undefined : new Error("incomplete")));
      res.on("aborted", () => done(new Error("aborted")));
      res.on("error", (e) => done(e));
    });
    req.on("error", (error) => resolve({ status: 0, data: Buffer.concat(parts), error, ms: 0 }));
  });
}

describe("fault proxy", () => {
  it("forwards a request unchanged when no rule matches", async () => {
    proxy.clearRules();
    proxy.addRule({ path: "/other", fault: { kind: "status" } });
    const got = await fetchRaw("/b/k");
    expect(got.status).toBe(200);
    expect(got.data.equals(body)).toBe(true);
    expect(proxy.requests.at(-1)).toMatchObject({ method: "GET", url: "/b/k", bytesSent: body.length });
  });

  it("resets the connection after N body bytes", async () => {
    proxy.clearRules();
    proxy.addRule({ method: "GET", path: "/b/reset", fault: { kind: "reset", afterBytes: 70_000 } });
    const got = await fetchRaw("/b/reset");
    expect(got.error).toBeDefined();
    expect(got.data.length).toBeLessThanOrEqual(70_000);
    expect(got.data.equals(body.subarray(0, got.data.length))).toBe(true);
    expect(proxy.requests.at(-1)).toMatchObject({ fault: "reset", bytesSent: 70_000 });
  });

  it("truncates the body (clean close short of Content-Length)", async () => {
    proxy.clearRules();
    proxy.addRule({ path: "/b/trunc", fault: { kind: "truncate", afterBytes: 1234 } });
    const got = await fetchRaw("/b/trunc");
    expect(got.error).toBeDefined();
    expect(got.data.equals(body.subarray(0, 1234))).toBe(true);
  });

  it("stalls after N bytes, then sends the rest", async () => {
    proxy.clearRules();
    proxy.addRule({ path: "/b/stall", fault: { kind: "stall", afterBytes: 10, ms: 300 } });
    const got = await fetchRaw("/b/stall");
    expect(got.error).toBeUndefined();
    expect(got.data.equals(body)).toBe(true);
    expect(got.ms).toBeGreaterThanOrEqual(290);
  });

  it("answers 503 with an S3 XML error without reaching the upstream", async () => {
    proxy.clearRules();
    proxy.addRule({ path: "/b/busy", fault: { kind: "status", status: 503 } });
    const got = await fetchRaw("/b/busy");
    expect(got.status).toBe(503);
    expect(got.data.toString()).toMatch(/<Code>SlowDown<\/Code>/);
  });

  it("flips one byte of the body at an offset", async () => {
    proxy.clearRules();
    proxy.addRule({ path: "/b/flip", fault: { kind: "flip", at: 100_001, mask: 0x80 } });
    const got = await fetchRaw("/b/flip");
    const want = Buffer.from(body);
    want[100_001]! ^= 0x80;
    expect(got.data.equals(want)).toBe(true);
  });

  it("applies a fault only to the nth matching request and to matching headers", async () => {
    proxy.clearRules();
    proxy.addRule({ path: "/b/nth", nth: [2], fault: { kind: "status", status: 500 } });
    proxy.addRule({ path: "/b/hdr", headers: { range: /bytes=/ }, fault: { kind: "status", status: 500 } });
    expect((await fetchRaw("/b/nth")).status).toBe(200);
    expect((await fetchRaw("/b/nth")).status).toBe(500);
    expect((await fetchRaw("/b/nth")).status).toBe(200);
    expect((await fetchRaw("/b/hdr")).status).toBe(200);
    expect((await fetchRaw("/b/hdr", { range: "bytes=0-1" })).status).toBe(500);
    expect(proxy.matching({ path: "/b/nth" })).toHaveLength(3);
  });

  it("caps the body rate per request", async () => {
    proxy.clearRules();
    proxy.setBytesPerSecond(1_000_000);
    const got = await fetchRaw("/b/slow");
    proxy.setBytesPerSecond(undefined);
    expect(got.data.equals(body)).toBe(true);
    // 200 kB at 1 MB/s takes about 200 ms.
    expect(got.ms).toBeGreaterThanOrEqual(150);
  });

  /** Sends `size` body bytes; resolves once the proxy holds the request, with a way to go away. */
  async function sendHeld(path: string, size: number) {
    const held = proxy.nextHeld();
    const req = request(`${proxy.endpoint}${path}`, {
      method: "PUT",
      agent: false,
      headers: { "content-length": size },
    });
    const answered = new Promise<string>((resolve) => {
      req.on("response", () => resolve("response"));
      req.on("error", () => resolve("error"));
    });
    req.end(randomBytes(size));
    const record = await held;
    return { record, answered, goAway: () => req.destroy() };
  }

  const upstreamSaw = (url: string) =>
    new Promise<(typeof received)[number]>((resolve) => {
      const look = () => {
        const got = received.find((r) => r.url === url);
        if (got) resolve(got);
      };
      receivedOne = look;
      look();
    });

  it("holds a request after forwarding N body bytes; the upstream gets an unfinished request when the client goes away", async () => {
    proxy.clearRules();
    proxy.addRule({ method: "PUT", path: "/b/hold-mid", fault: { kind: "hold", afterBytes: 65_536 } });
    const { record, answered, goAway } = await sendHeld("/b/hold-mid", 300_000);
    expect(record).toMatchObject({ fault: "hold", bytesForwarded: 65_536, url: "/b/hold-mid" });
    const seen = upstreamSaw("/b/hold-mid");
    goAway();
    expect(await answered).toBe("error");
    expect(await seen).toEqual({ url: "/b/hold-mid", bytes: 65_536, complete: false });
  });

  it("holds a request without forwarding any of it (afterBytes 0): the upstream never sees it", async () => {
    proxy.clearRules();
    proxy.addRule({ method: "PUT", path: "/b/hold-all", fault: { kind: "hold" } });
    const { record, answered, goAway } = await sendHeld("/b/hold-all", 1000);
    expect(record).toMatchObject({ fault: "hold", bytesForwarded: 0 });
    goAway();
    expect(await answered).toBe("error");
    // A later request gets through; the held one never reached the upstream.
    proxy.clearRules();
    expect((await fetchRaw("/b/after-hold")).status).toBe(200);
    expect(received.some((r) => r.url === "/b/hold-all")).toBe(false);
  });

  it("holdResponse: the upstream gets the whole request, the client never gets the answer", async () => {
    proxy.clearRules();
    proxy.addRule({ method: "PUT", path: "/b/hold-answer", fault: { kind: "holdResponse" } });
    const seen = upstreamSaw("/b/hold-answer");
    const { record, answered, goAway } = await sendHeld("/b/hold-answer", 5000);
    expect(record.fault).toBe("holdResponse");
    expect(await seen).toEqual({ url: "/b/hold-answer", bytes: 5000, complete: true });
    goAway();
    expect(await answered).toBe("error");
    expect(record.bytesSent).toBe(0);
  });
});
