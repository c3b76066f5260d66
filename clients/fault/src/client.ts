// The fault client process (started by fault/spawn.ts, pinned to the client cpus): runs one storm, burst or reconnect
// task against a server over the `ws` library and sends back connect outcomes, connect times, delivery latencies and
// recoveries. It measures its own CPU over the window (process.cpuUsage).
import { sleep } from "@wsarena/host/time";
import { encodeHistogram, newHistogram, record, percentile, prng } from "@wsarena/stats";
import { fileURLToPath } from "node:url";
import { sioEvent } from "@wsarena/protocol";
import WebSocket from "ws";
import { backoffDelayMs } from "./backoff.ts";
import { ConnectError, openConn, type OpenConn } from "./conn.ts";
import type {
  BurstResult,
  BurstTask,
  ClientRecovery,
  ConnectBucket,
  FaultCommon,
  FaultResult,
  FaultTask,
  FromFaultClient,
  LatencyBucket,
  ReconnectResult,
  ReconnectTask,
  StormResult,
  StormTask,
  ToFaultClient,
} from "./types.ts";

/** Width of the time buckets of connect attempts and of send times, ms. */
export const BUCKET_MS = 100;
/** Connections opened at once while setting up subscribers (not a storm). */
export const SETUP_CONCURRENCY = 50;
/** Drain: a send bucket's p99 is back to baseline when within this factor of the quiet p99 … */
export const DRAIN_LATENCY_FACTOR = 2;
/** … or within this many µs of it (a sub-millisecond baseline would make the factor alone too strict). */
export const DRAIN_LATENCY_SLACK_US = 1_000;
/** Buckets in a row that must be within the limit for the latency to count as back to baseline. */
export const DRAIN_STABLE_BUCKETS = 3;
/** The quiet phase's first part is left out of the baseline (connections and JIT still settling), ms. */
export const BASELINE_SKIP_MS = 500;
/** Steady streaming before the client tells the runner it is ready for the kill, ms. */
export const STEADY_BEFORE_READY_MS = 500;

type Histogram = ReturnType<typeof newHistogram>;

const nowNs = () => Number(process.hrtime.bigint() - ORIGIN_NS);
const ORIGIN_NS = process.hrtime.bigint();


/** Figures every task collects. */
class Collect {
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
      out.push({ tMs: b * BUCKET_MS, attempts: l.length, succeeded: ok.length, failed: l.length - ok.length, p50Us: round(percentile(ok, 50)), p99Us: round(percentile(ok, 99)), maxUs: round(ok.at(-1) ?? null) });
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

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x);
}

/** Opens `n` connections with at most SETUP_CONCURRENCY in flight; throws on the first failure. */
async function setup<T>(n: number, open: (i: number) => Promise<T>): Promise<T[]> {
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
function encodeMsg(protocol: "ws" | "socket.io", seq: number, ns: number): Buffer | string {
  if (protocol === "socket.io") return `${seq}:${ns}`;
  const b = Buffer.allocUnsafe(16);
  b.writeDoubleLE(seq, 0);
  b.writeDoubleLE(ns, 8);
  return b;
}

function decodeMsg(data: Buffer | string): { seq: number; ns: number } | null {
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
function publish(conn: OpenConn, protocol: "ws" | "socket.io", topic: string, payload: Buffer | string): void {
  if (conn.ws.readyState !== WebSocket.OPEN) return;
  if (protocol === "socket.io") conn.ws.send(sioEvent("pub", [topic, payload]));
  else conn.ws.send(payload);
}

async function storm(t: StormTask): Promise<StormResult> {
  const c = new Collect();
  const open: OpenConn[] = [];
  let holding = true;
  const pending: Promise<void>[] = [];
  c.startWindow();
  const start = Date.now();
  let i = 0;
  while (i < t.connections) {
    const due = Math.min(t.connections, Math.floor(((Date.now() - start) / t.spreadMs) * t.connections) + 1);
    for (; i < due; i++) {
      const atMs = Date.now();
      pending.push(
        openConn(t, "/echo", t.connectTimeoutMs, { onMessage: () => {}, onClose: (code) => holding && c.close(code) }).then(
          (conn) => {
            open.push(conn);
            c.attempt(atMs, { ok: true, us: conn.connectUs });
          },
          (error: unknown) => c.attempt(atMs, { ok: false, error }),
        ),
      );
    }
    if (i < t.connections) await sleep(1);
  }
  await Promise.all(pending);
  const settledMs = Date.now() - start;
  await sleep(t.holdMs);
  const openAtEnd = open.filter((o) => o.ws.readyState === WebSocket.OPEN).length;
  const common = c.common();
  holding = false;
  await closeAll(open);
  return { kind: "storm", ...common, buckets: c.buckets(start), settledMs, openAtEnd };
}

/** Closes every connection (1000) and waits for them to end, at most 2 s. */
async function closeAll(conns: readonly OpenConn[]): Promise<void> {
  const ends = conns.map((o) => new Promise<void>((r) => (o.ws.readyState === WebSocket.CLOSED ? r() : o.ws.once("close", () => r()))));
  for (const o of conns) o.ws.close(1000);
  await Promise.race([Promise.all(ends), sleep(2_000)]);
  for (const o of conns) o.ws.terminate();
}

/** Send offsets (ms from the first publish) of the burst schedule: base rate, factor× for burstMs, base rate again. */
export function burstSchedule(t: Pick<BurstTask, "baseRate" | "factor" | "quietMs" | "burstMs" | "afterMs">): number[] {
  const out: number[] = [];
  const phase = (fromMs: number, toMs: number, rate: number) => {
    const n = Math.round(((toMs - fromMs) / 1000) * rate);
    for (let k = 0; k < n; k++) out.push(fromMs + (k * 1000) / rate);
  };
  phase(0, t.quietMs, t.baseRate);
  phase(t.quietMs, t.quietMs + t.burstMs, t.baseRate * t.factor);
  phase(t.quietMs + t.burstMs, t.quietMs + t.burstMs + t.afterMs, t.baseRate);
  return out;
}

/** Burst figures from per-message send offsets and per-delivery (seq, latency, receive offset) records. */
export function burstFigures(
  sendAtMs: readonly number[],
  deliveries: { seq: Float64Array; latUs: Float64Array; recvMs: Float64Array; n: number },
  t: Pick<BurstTask, "quietMs" | "burstMs">,
): Pick<BurstResult, "buckets" | "baselineP99Us" | "burstEndMs" | "backlogDrainMs" | "latencyRecoverMs" | "drainMs"> {
  const burstEndMs = t.quietMs + t.burstMs;
  const nb = Math.ceil((sendAtMs.at(-1) ?? 0) / BUCKET_MS) + 1;
  const lat: number[][] = Array.from({ length: nb }, () => []);
  const sent = new Array<number>(nb).fill(0);
  for (const s of sendAtMs) sent[Math.floor(s / BUCKET_MS)]!++;
  const baseline: number[] = [];
  let lastBurstRecvMs = -Infinity;
  for (let k = 0; k < deliveries.n; k++) {
    const at = sendAtMs[deliveries.seq[k]!]!;
    const l = deliveries.latUs[k]!;
    lat[Math.floor(at / BUCKET_MS)]!.push(l);
    if (at >= BASELINE_SKIP_MS && at < t.quietMs) baseline.push(l);
    if (at <= burstEndMs && deliveries.recvMs[k]! > lastBurstRecvMs) lastBurstRecvMs = deliveries.recvMs[k]!;
  }
  baseline.sort((a, b) => a - b);
  const baselineP99Us = percentile(baseline, 99);
  const buckets: LatencyBucket[] = lat.map((l, b) => {
    l.sort((x, y) => x - y);
    return { tMs: b * BUCKET_MS, sent: sent[b]!, delivered: l.length, p50Us: round(percentile(l, 50)), p99Us: round(percentile(l, 99)), maxUs: round(l.at(-1) ?? null) };
  });
  const backlogDrainMs = Number.isFinite(lastBurstRecvMs) ? Math.max(0, Math.round(lastBurstRecvMs - burstEndMs)) : null;
  let latencyRecoverMs: number | null = null;
  if (baselineP99Us !== null) {
    const limit = Math.max(baselineP99Us * DRAIN_LATENCY_FACTOR, baselineP99Us + DRAIN_LATENCY_SLACK_US);
    // The first bucket after the burst that starts DRAIN_STABLE_BUCKETS buckets in a row within the limit (one noisy
    // bucket later on, common on a shared machine, does not undo the recovery).
    for (let b = Math.floor(burstEndMs / BUCKET_MS); b + DRAIN_STABLE_BUCKETS <= nb; b++) {
      const run = buckets.slice(b, b + DRAIN_STABLE_BUCKETS);
      if (run.every((x) => x.p99Us !== null && x.p99Us <= limit)) {
        latencyRecoverMs = Math.max(0, b * BUCKET_MS - burstEndMs);
        break;
      }
    }
  }
  const drainMs = backlogDrainMs !== null && latencyRecoverMs !== null ? Math.max(backlogDrainMs, latencyRecoverMs) : null;
  return { buckets, baselineP99Us: round(baselineP99Us), burstEndMs, backlogDrainMs, latencyRecoverMs, drainMs };
}

async function burst(t: BurstTask): Promise<BurstResult> {
  const c = new Collect();
  const sendAtMs = burstSchedule(t);
  const total = sendAtMs.length;
  const seen = Array.from({ length: t.subscribers }, () => new Uint8Array(total));
  const lastSeq = new Array<number>(t.subscribers).fill(-1);
  const cap = total * t.subscribers;
  const d = { seq: new Float64Array(cap), latUs: new Float64Array(cap), recvMs: new Float64Array(cap), n: 0 };
  let startNs = 0;
  const onMsg = (i: number) => (data: Buffer | string, event: string | null) => {
    if (t.protocol === "socket.io" && event !== "msg") return;
    const m = decodeMsg(data);
    if (!m || m.seq < 0 || m.seq >= total) return;
    const now = nowNs();
    c.received++;
    if (seen[i]![m.seq]) {
      c.duplicated++;
      return;
    }
    seen[i]![m.seq] = 1;
    if (m.seq < lastSeq[i]!) c.reordered++;
    lastSeq[i] = Math.max(lastSeq[i]!, m.seq);
    const latUs = (now - m.ns) / 1000;
    record(c.latencyHist, latUs);
    if (d.n < cap) {
      d.seq[d.n] = m.seq;
      d.latUs[d.n] = latUs;
      d.recvMs[d.n] = (now - startNs) / 1e6;
      d.n++;
    }
  };
  const topicQuery = `&topic=${encodeURIComponent(t.topic)}`;
  const subs = await setup(t.subscribers, (i) => openConn(t, `/pubsub?topic=${encodeURIComponent(t.topic)}`, t.connectTimeoutMs, { onMessage: onMsg(i), onClose: (code) => c.close(code) }, topicQuery));
  const pub = await openConn(t, `/pubsub?topic=${encodeURIComponent(t.topic)}`, t.connectTimeoutMs, { onMessage: () => {}, onClose: (code) => c.close(code) });
  c.startWindow();
  startNs = nowNs();
  let k = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const elapsedMs = (nowNs() - startNs) / 1e6;
      for (; k < total && sendAtMs[k]! <= elapsedMs; k++) {
        publish(pub, t.protocol, t.topic, encodeMsg(t.protocol, k, startNs + sendAtMs[k]! * 1e6));
        c.sent++;
      }
      if (k >= total) {
        clearInterval(timer);
        done();
      }
    }, 1);
  });
  const until = Date.now() + t.drainLimitMs;
  while (c.received - c.duplicated < c.sent * t.subscribers && Date.now() < until) await sleep(10);
  const common = c.common();
  common.lost = c.sent * t.subscribers - (c.received - c.duplicated);
  await closeAll([...subs, pub]);
  return { kind: "burst", ...common, ...burstFigures(sendAtMs, d, t) };
}

function reconnect(t: ReconnectTask, events: { restarted: Promise<{ killedAtMs: number; readyAtMs: number }> }, ready: () => void): Promise<ReconnectResult> {
  const c = new Collect();
  const rnd = prng(t.seed);
  let stopping = false;
  const maxSeq = Math.ceil(t.rate * ((t.recoverLimitMs + t.tailMs) / 1000 + 120));
  interface Sub {
    conn: OpenConn | null;
    rec: ClientRecovery;
    attempt: number;
    seen: Uint8Array;
    minSeq: number;
    maxSeq: number;
    unique: number;
    subscribed: boolean;
  }
  const subs: Sub[] = Array.from({ length: t.subscribers }, () => ({
    conn: null,
    rec: { disconnectedAtMs: null, attempts: 0, reconnectedAtMs: null, resubscribedAtMs: null, firstMessageAtMs: null, missed: 0 },
    attempt: 0,
    seen: new Uint8Array(maxSeq),
    minSeq: -1,
    maxSeq: -1,
    unique: 0,
    subscribed: false,
  }));
  const subscribeAck = (s: Sub, data: Buffer | string, event: string | null): boolean =>
    t.protocol === "socket.io" ? event === "subscribed" : typeof data === "string" && data.startsWith('{"op":"subscribed"');
  const connectSub = (s: Sub): Promise<void> => {
    const atMs = Date.now();
    const afterOutage = s.rec.disconnectedAtMs !== null;
    if (afterOutage) s.rec.attempts++;
    let onSubscribed!: () => void;
    const subscribed = new Promise<void>((r) => (onSubscribed = r));
    return openConn(t, "/pubsub", t.connectTimeoutMs, {
      onMessage: (data, event) => {
        if (!s.subscribed) {
          if (subscribeAck(s, data, event)) {
            s.subscribed = true;
            s.attempt = 0;
            if (afterOutage) s.rec.resubscribedAtMs = Date.now();
            onSubscribed();
          }
          return;
        }
        if (t.protocol === "socket.io" && event !== "msg") return;
        const m = decodeMsg(data);
        if (!m || m.seq < 0 || m.seq >= maxSeq) return;
        c.received++;
        if (s.seen[m.seq]) {
          c.duplicated++;
          return;
        }
        if (m.seq < s.maxSeq) c.reordered++;
        s.seen[m.seq] = 1;
        s.unique++;
        if (s.minSeq < 0) s.minSeq = m.seq;
        s.maxSeq = Math.max(s.maxSeq, m.seq);
        record(c.latencyHist, (nowNs() - m.ns) / 1000);
        if (s.rec.disconnectedAtMs !== null && s.rec.firstMessageAtMs === null) s.rec.firstMessageAtMs = Date.now();
      },
      onClose: (code) => {
        if (stopping) return;
        c.close(code);
        s.conn = null;
        s.subscribed = false;
        s.rec.disconnectedAtMs ??= Date.now();
        retry(s);
      },
    }).then(
      (conn) => {
        c.attempt(atMs, { ok: true, us: conn.connectUs });
        s.conn = conn;
        if (afterOutage) s.rec.reconnectedAtMs = Date.now();
        conn.emit("sub", [t.topic], JSON.stringify({ op: "sub", topic: t.topic }));
        return subscribed;
      },
      (error: unknown) => {
        c.attempt(atMs, { ok: false, error });
        if (!afterOutage) throw error;
        retry(s);
      },
    );
  };
  const retry = (s: Sub) => {
    if (stopping) return;
    const wait = backoffDelayMs(t.backoff, s.attempt++, rnd);
    setTimeout(() => void connectSub(s).catch(() => {}), wait);
  };

  // The feed: seq k is due at k / rate; a tick due while the publisher is down is not sent (counted unpublished).
  let pub: OpenConn | null = null;
  let unpublished = 0;
  const connectPub = () => {
    if (stopping) return;
    openConn(t, `/pubsub?topic=${encodeURIComponent(t.topic)}`, t.connectTimeoutMs, {
      onMessage: () => {},
      onClose: () => {
        pub = null;
        setTimeout(connectPub, t.publisherRetryMs);
      },
    }).then(
      (conn) => (pub = conn),
      () => setTimeout(connectPub, t.publisherRetryMs),
    );
  };

  return (async () => {
    await setup(t.subscribers, (i) => connectSub(subs[i]!));
    pub = await openConn(t, `/pubsub?topic=${encodeURIComponent(t.topic)}`, t.connectTimeoutMs, {
      onMessage: () => {},
      onClose: () => {
        pub = null;
        if (!stopping) setTimeout(connectPub, t.publisherRetryMs);
      },
    });
    const startNs = nowNs();
    let k = 0;
    const feed = setInterval(() => {
      const due = Math.min(maxSeq, Math.floor(((nowNs() - startNs) / 1e9) * t.rate) + 1);
      for (; k < due; k++) {
        if (pub && pub.ws.readyState === WebSocket.OPEN) {
          publish(pub, t.protocol, t.topic, encodeMsg(t.protocol, k, startNs + (k / t.rate) * 1e9));
          c.sent++;
        } else unpublished++;
      }
    }, 1);
    await sleep(STEADY_BEFORE_READY_MS);
    c.startWindow();
    ready();
    const { killedAtMs, readyAtMs } = await events.restarted;
    const recovered = () => subs.every((s) => s.rec.disconnectedAtMs !== null && s.rec.firstMessageAtMs !== null);
    while (!recovered() && Date.now() < killedAtMs + t.recoverLimitMs) await sleep(10);
    await sleep(t.tailMs);
    clearInterval(feed);
    await sleep(100); // the last ticks in flight
    for (const s of subs) {
      s.rec.missed = s.minSeq < 0 ? 0 : s.maxSeq - s.minSeq + 1 - s.unique;
      c.lost += s.rec.missed;
    }
    const common = c.common();
    stopping = true;
    await closeAll([...subs.map((s) => s.conn).filter((x): x is OpenConn => x !== null), ...(pub ? [pub] : [])]);
    return { kind: "reconnect", ...common, clients: subs.map((s) => s.rec), buckets: c.buckets(killedAtMs), unpublished, killedAtMs, restartedAtMs: readyAtMs };
  })();
}

function send(m: FromFaultClient): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  let onRestarted!: (v: { killedAtMs: number; readyAtMs: number }) => void;
  const restarted = new Promise<{ killedAtMs: number; readyAtMs: number }>((r) => (onRestarted = r));
  const task = await new Promise<{ task: FaultTask; timeoutMs: number }>((resolve) => {
    process.on("message", (m: ToFaultClient) => {
      if (m.type === "task") resolve(m);
      else if (m.type === "restarted") onRestarted(m);
      else if (m.type === "abort") process.exit(2);
    });
  });
  // Never outlive the runner: exit when its channel closes or the time bound passes.
  process.on("disconnect", () => process.exit(2));
  setTimeout(() => {
    send({ type: "fatal", message: `no result within ${task.timeoutMs} ms` });
    process.exit(3);
  }, task.timeoutMs).unref();
  const t = task.task;
  let result: FaultResult;
  if (t.kind === "storm") result = await storm(t);
  else if (t.kind === "burst") result = await burst(t);
  else result = await reconnect(t, { restarted }, () => send({ type: "ready" }));
  send({ type: "result", result });
  process.disconnect?.();
  setTimeout(() => process.exit(0), 50);
}

// Only as the child entry (importing it for the pure helpers starts nothing).
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    send({ type: "fatal", message: (e as Error).message });
    setTimeout(() => process.exit(1), 50);
  });
}
