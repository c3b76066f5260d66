// What every fault task collects (connect attempts, outcomes, close codes, latencies, the CPU window) and the helpers
// the tasks share: bounded connection set-up, the seq/send-time payload, publishing and closing.
import { sleep } from "@wsarena/host/time";
import { sioEvent } from "@wsarena/protocol";
import { encodeHistogram, newHistogram, percentile, record } from "@wsarena/stats";
import WebSocket from "ws";
import { ConnectError, type OpenConn } from "./conn.ts";
import type { ConnectBucket, FaultCommon } from "./types.ts";

/** Width of the time buckets of connect attempts and of send times, ms. */
export const BUCKET_MS = 100;
/** Connections opened at once while setting up subscribers (not a storm). */
export const SETUP_CONCURRENCY = 50;
type Histogram = ReturnType<typeof newHistogram>;

const ORIGIN_NS = process.hrtime.bigint();
/** ns since this process's origin: the clock of the payload's send times. */
export const nowNs = (): number => Number(process.hrtime.bigint() - ORIGIN_NS);

/** Figures every task collects. */
export class Collect {
  readonly connectHist: Histogram = newHistogram();
  readonly latencyHist: Histogram = newHistogram();
  readonly outcomes: Record<string, number> = {};
  readonly closeCodes: Record<string, number> = {};
  readonly errorSamples: string[] = [];
  /** Connect attempts: start (epoch ms), connect µs when ok, outcome. */
  readonly attempts: Array<{ atMs: number; us: number | null }> = [];
  sent = 0;
  received = 0;
  lost = 0;
  duplicated = 0;
  reordered = 0;
  private cpu0 = process.cpuUsage();
  windowStartMs = Date.now();

  startWindow(): void {
    this.cpu0 = process.cpuUsage();
    this.windowStartMs = Date.now();
  }

  attempt(atMs: number, r: { ok: true; us: number } | { ok: false; error: unknown }): void {
    if (r.ok) {
      this.outcomes.ok = (this.outcomes.ok ?? 0) + 1;
      record(this.connectHist, r.us);
      this.attempts.push({ atMs, us: r.us });
      return;
    }
    const e = r.error;
    const outcome = e instanceof ConnectError ? e.outcome : "other";
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.attempts.push({ atMs, us: null });
    const detail = `${outcome}: ${(e as Error).message}`.slice(0, 160);
    if (this.errorSamples.length < 10 && !this.errorSamples.includes(detail)) this.errorSamples.push(detail);
  }

  close(code: number): void {
    this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
  }

  /** Attempts per BUCKET_MS from `refMs` (attempts before it are left out). */
  buckets(refMs: number): ConnectBucket[] {
    const by = new Map<number, Array<number | null>>();
    for (const a of this.attempts) {
      if (a.atMs < refMs) continue;
      const b = Math.floor((a.atMs - refMs) / BUCKET_MS);
      let l = by.get(b);
      if (!l) by.set(b, (l = []));
      l.push(a.us);
    }
    const out: ConnectBucket[] = [];
    const last = Math.max(-1, ...by.keys());
    for (let b = 0; b <= last; b++) {
      const l = by.get(b) ?? [];
      const ok = l.filter((x): x is number => x !== null).sort((x, y) => x - y);
      out.push({
        tMs: b * BUCKET_MS,
        attempts: l.length,
        succeeded: ok.length,
        failed: l.length - ok.length,
        p50Us: round(percentile(ok, 50)),
        p99Us: round(percentile(ok, 99)),
        maxUs: round(ok.at(-1) ?? null),
      });
    }
    return out;
  }

  common(): FaultCommon {
    const cpu = process.cpuUsage(this.cpu0);
    return {
      windowStartMs: this.windowStartMs,
      windowEndMs: Date.now(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      connectHistogram: this.connectHist.totalCount ? encodeHistogram(this.connectHist) : null,
      outcomes: this.outcomes,
      closeCodes: this.closeCodes,
      errorSamples: this.errorSamples,
      latencyHistogram: this.latencyHist.totalCount ? encodeHistogram(this.latencyHist) : null,
      sent: this.sent,
      received: this.received,
      lost: this.lost,
      duplicated: this.duplicated,
      reordered: this.reordered,
    };
  }
}

export function round(x: number | null): number | null {
  return x === null ? null : Math.round(x);
}

/** Opens `n` connections with at most SETUP_CONCURRENCY in flight; throws on the first failure. */
export async function setup<T>(n: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, SETUP_CONCURRENCY) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await open(i);
      }
    }),
  );
  return out;
}

/** Message payload: seq and intended send time (ns since this process's origin). ws: 16 binary bytes; socket.io: "seq:ns". */
export function encodeMsg(protocol: "ws" | "socket.io", seq: number, ns: number): Buffer | string {
  if (protocol === "socket.io") return `${seq}:${ns}`;
  const b = Buffer.allocUnsafe(16);
  b.writeDoubleLE(seq, 0);
  b.writeDoubleLE(ns, 8);
  return b;
}

export function decodeMsg(data: Buffer | string): { seq: number; ns: number } | null {
  if (typeof data === "string") {
    const i = data.indexOf(":");
    if (i <= 0) return null;
    const seq = Number(data.slice(0, i));
    const ns = Number(data.slice(i + 1));
    return Number.isFinite(seq) && Number.isFinite(ns) ? { seq, ns } : null;
  }
  return data.length === 16 ? { seq: data.readDoubleLE(0), ns: data.readDoubleLE(8) } : null;
}

/** A publisher connection on `topic` (ws: /pubsub?topic; socket.io: the `pub` event). */
export function publish(conn: OpenConn, protocol: "ws" | "socket.io", topic: string, payload: Buffer | string): void {
  if (conn.ws.readyState !== WebSocket.OPEN) return;
  if (protocol === "socket.io") conn.ws.send(sioEvent("pub", [topic, payload]));
  else conn.ws.send(payload);
}

/** Closes every connection (1000) and waits for them to end, at most 2 s. */
export async function closeAll(conns: readonly OpenConn[]): Promise<void> {
  const ends = conns.map((o) => new Promise<void>((r) => (o.ws.readyState === WebSocket.CLOSED ? r() : o.ws.once("close", () => r()))));
  for (const o of conns) o.ws.close(1000);
  await Promise.race([Promise.all(ends), sleep(2_000)]);
  for (const o of conns) o.ws.terminate();
}
