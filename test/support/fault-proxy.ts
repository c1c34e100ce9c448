/**
 * A fault-injecting reverse proxy for tests: point an SDK client's `endpoint` at `proxy.endpoint`
 * and every request is forwarded to `upstream` (moto_server), except that a request matching a
 * rule gets that rule's fault:
 *
 * - `reset`: the response body is cut after `afterBytes` bytes with a TCP RST (the client may
 *   receive fewer bytes: an RST drops what is still queued, as on a real network);
 * - `truncate`: the body ends (clean FIN) after `afterBytes` bytes, short of its Content-Length;
 * - `stall`: after `afterBytes` bytes nothing more is sent for `ms` milliseconds (then it goes on);
 * - `status`: the request is answered with that status (default 500) and an S3 XML error, without
 *   reaching the upstream;
 * - `flip`: the body byte at offset `at` is XOR-ed with `mask` (default 0x01);
 * - `delay`: the upstream's answer is held back `ms` milliseconds before its status line (the
 *   request itself reached the upstream: S3 did the work, the client just hears of it late).
 * - `hold`: the request is held at the proxy — only its head and the first `afterBytes` bytes of
 *   its body (default 0: nothing, the upstream never sees it) are forwarded — until the client
 *   goes away (e.g. the test SIGKILLs it), then the upstream request is dropped unfinished;
 * - `holdResponse`: the request reaches the upstream in full, but its response is held back
 *   until the client goes away (the server acted; the client never learns it did).
 *
 * `nextHeld()` resolves when a request is held (no sleeps: a test waits on it, then acts).
 *
 * Rules match on method, path+query (string: substring; RegExp: test), request headers and the
 * nth matching occurrence (1-based). `bytesPerSecond` caps each response's body rate (for the
 * download benchmark: one connection of real S3 carries roughly 50–100 MB/s).
 *
 * Written on node:http directly: forwarding, counting bytes and cutting sockets are a few lines,
 * and proxy libraries (http-proxy) hide the response socket this needs (docs/dependencies.md).
 */

import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Fault =
  | { readonly kind: "reset"; readonly afterBytes: number }
  | { readonly kind: "truncate"; readonly afterBytes: number }
  | { readonly kind: "stall"; readonly afterBytes: number; readonly ms: number }
  | { readonly kind: "status"; readonly status?: number; readonly code?: string; readonly message?: string }
  | { readonly kind: "flip"; readonly at: number; readonly mask?: number }
  | { readonly kind: "hold"; readonly afterBytes?: number }
  | { readonly kind: "holdResponse" }
  | { readonly kind: "delay"; readonly ms: number };

export interface FaultRule {
  readonly method?: string;
  /** Substring of, or pattern for, the request's path and query (`/bucket/key?partNumber=2`). */
  readonly path?: string | RegExp;
  /** Header values the request must have (`true`: present; names in lower case). */
  readonly headers?: Readonly<Record<string, string | RegExp | true | false>>;
  /** Which matching requests get the fault (1-based); default: every one. */
  readonly nth?: number | readonly number[];
  readonly fault: Fault;
}

export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  /** The kind of fault applied, if any. */
  readonly fault?: Fault["kind"];
  /** Response body bytes sent to the client. */
  bytesSent: number;
  /** Request body bytes forwarded to the upstream (counted for `hold` only). */
  bytesForwarded?: number;
}

export interface FaultProxyOptions {
  /** Response body rate cap per request, bytes per second (default: none). */
  readonly bytesPerSecond?: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly port: number;
  /** Every request seen, in arrival order. */
  readonly requests: ProxiedRequest[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** Requests matching a method and path (as a rule would), for assertions. */
  matching(rule: Omit<FaultRule, "fault" | "nth">): ProxiedRequest[];
  setBytesPerSecond(rate: number | undefined): void;
  /** Resolves with the next request a `hold` or `holdResponse` rule holds (once it is held). */
  nextHeld(): Promise<ProxiedRequest>;
  close(): Promise<void>;
}

interface ActiveRule {
  readonly rule: FaultRule;
  seen: number;
}

function matches(
  rule: Omit<FaultRule, "fault" | "nth">,
  method: string,
  url: string,
  headers: IncomingMessage["headers"],
): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (typeof rule.path === "string" && !url.includes(rule.path)) return false;
  if (rule.path instanceof RegExp && !rule.path.test(url)) return false;
  for (const [name, want] of Object.entries(rule.headers ?? {})) {
    const raw = headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw.join(",") : raw;
    if (want === true) {
      if (value === undefined) return false;
    } else if (want === false) {
      if (value !== undefined) return false;
    } else if (typeof want === "string") {
      if (value !== want) return false;
    } else if (!want.test(value ?? "")) return false;
  }
  return true;
}

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startFaultProxy(
  upstream: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: ActiveRule[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let rate = options.bytesPerSecond;
  const events = new EventEmitter();

  const pick = (req: IncomingMessage): Fault | undefined => {
    let chosen: Fault | undefined;
    for (const active of rules) {
      if (!matches(active.rule, req.method ?? "GET", req.url ?? "/", req.headers)) continue;
      active.seen += 1;
      const nth = active.rule.nth;
      const hit =
        nth === undefined ||
        (typeof nth === "number" ? nth === active.seen : (nth as readonly number[]).includes(active.seen));
      if (hit && chosen === undefined) chosen = active.rule.fault;
    }
    return chosen;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const fault = pick(req);
    const record: ProxiedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      ...(fault ? { fault: fault.kind } : {}),
      bytesSent: 0,
    };
    requests.push(record);
    if (fault?.kind === "status") {
      req.resume();
      req.on("end", () => {
        const status = fault.status ?? 500;
        const body = xmlError(
          fault.code ?? (status === 503 ? "SlowDown" : "InternalError"),
          fault.message ?? "fault injected by the test proxy",
        );
        res.writeHead(status, {
          "content-type": "application/xml",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
      });
      return;
    }
    if (fault?.kind === "hold") {
      holdRequest(req, res, record, fault.afterBytes ?? 0);
      return;
    }
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upRes) => {
        if (fault?.kind === "holdResponse") {
          upRes.resume();
          events.emit("held", record);
          res.on("close", () => upRes.destroy());
          return;
        }
        const relay = () => {
          res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers);
          void relayBody(upRes, res, record, fault).catch(() => res.destroy());
        };
        if (fault?.kind === "delay") setTimeout(relay, fault.ms);
        else relay();
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  };

  /** `hold`: forwards the head and `afterBytes` body bytes, then nothing until the client goes away. */
  const holdRequest = (
    req: IncomingMessage,
    res: ServerResponse,
    record: ProxiedRequest,
    afterBytes: number,
  ) => {
    record.bytesForwarded = 0;
    const up =
      afterBytes > 0
        ? request({
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          })
        : undefined;
    up?.on("error", () => undefined);
    up?.on("response", (r) => r.resume());
    let held = false;
    // The rest of the body is read and dropped (not paused), so the client's going away is seen.
    const hold = () => {
      if (held) return;
      held = true;
      events.emit("held", record);
    };
    res.on("close", () => up?.destroy());
    req.on("data", (chunk: Buffer) => {
      if (held || up === undefined) return;
      const take = chunk.subarray(0, afterBytes - record.bytesForwarded!);
      up.write(take);
      record.bytesForwarded! += take.length;
      if (record.bytesForwarded! >= afterBytes) hold();
    });
    req.on("end", hold);
    if (up === undefined) hold();
  };

  const relayBody = async (
    upRes: IncomingMessage,
    res: ServerResponse,
    record: ProxiedRequest,
    fault: Fault | undefined,
  ): Promise<void> => {
    const socket = res.socket;
    let offset = 0;
    let stalled = false;
    const cutAt = fault && "afterBytes" in fault ? fault.afterBytes : undefined;
    for await (const piece of upRes as AsyncIterable<Buffer>) {
      let chunk = piece;
      if (fault?.kind === "flip" && fault.at >= offset && fault.at < offset + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[fault.at - offset]! ^= fault.mask ?? 0x01;
      }
      if (cutAt !== undefined && offset + chunk.length >= cutAt && !(fault?.kind === "stall" && stalled)) {
        const head = chunk.subarray(0, cutAt - offset);
        if (head.length) await send(res, head, record);
        offset = cutAt;
        if (fault?.kind === "reset") {
          upRes.destroy();
          // Let the bytes already written reach the client before the RST discards what is queued.
          await new Promise<void>((r) => res.write("", () => r()));
          await sleep(20);
          socket?.resetAndDestroy();
          return;
        }
        if (fault?.kind === "truncate") {
          upRes.destroy();
          socket?.end();
          socket?.destroySoon();
          return;
        }
        if (fault?.kind === "stall") {
          stalled = true;
          await sleep(fault.ms);
          if (res.destroyed) {
            upRes.destroy();
            return;
          }
          chunk = chunk.subarray(head.length);
        }
      }
      if (chunk.length) await send(res, chunk, record);
      offset += chunk.length;
      if (res.destroyed) {
        upRes.destroy();
        return;
      }
    }
    res.end();
  };

  const send = async (res: ServerResponse, chunk: Buffer, record: ProxiedRequest): Promise<void> => {
    const limit = rate;
    const slice = limit ? Math.max(1, Math.floor(limit / 50)) : chunk.length;
    for (let i = 0; i < chunk.length; i += slice) {
      const part = chunk.subarray(i, i + slice);
      const started = Date.now();
      if (res.destroyed) return;
      record.bytesSent += part.length;
      if (!res.write(part)) await new Promise<void>((r) => res.once("drain", r).once("close", r));
      if (limit) {
        const due = (part.length / limit) * 1000 - (Date.now() - started);
        if (due > 0) await sleep(due);
      }
    }
  };

  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    addRule: (rule) => rules.push({ rule, seen: 0 }),
    clearRules: () => {
      rules.length = 0;
    },
    matching: (rule) => requests.filter((r) => matches(rule, r.method, r.url, r.headers)),
    setBytesPerSecond: (r) => {
      rate = r;
    },
    nextHeld: async () => (await once(events, "held"))[0] as ProxiedRequest,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
