// The fault client process (started by fault/spawn.ts, pinned to the client cpus): runs one storm, burst or reconnect
// task against a server over the `ws` library and sends back connect outcomes, connect times, delivery latencies and
// recoveries. It measures its own CPU over the window (process.cpuUsage).
import { sleep } from "@wsarena/host/time";
import { record, percentile } from "@wsarena/stats";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { BUCKET_MS, Collect, closeAll, decodeMsg, encodeMsg, nowNs, publish, round, setup } from "./collect.ts";
import { openConn, type OpenConn } from "./conn.ts";
import { reconnect, type Restart } from "./reconnect.ts";
import type { BurstResult, BurstTask, FaultResult, FaultTask, FromFaultClient, LatencyBucket, StormResult, StormTask, ToFaultClient } from "./types.ts";

/** Drain: a send bucket's p99 is back to baseline when within this factor of the quiet p99 … */
export const DRAIN_LATENCY_FACTOR = 2;
/** … or within this many µs of it (a sub-millisecond baseline would make the factor alone too strict). */
export const DRAIN_LATENCY_SLACK_US = 1_000;
/** Buckets in a row that must be within the limit for the latency to count as back to baseline. */
export const DRAIN_STABLE_BUCKETS = 3;
/** The quiet phase's first part is left out of the baseline (connections and JIT still settling), ms. */
export const BASELINE_SKIP_MS = 500;
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
    return {
      tMs: b * BUCKET_MS,
      sent: sent[b]!,
      delivered: l.length,
      p50Us: round(percentile(l, 50)),
      p99Us: round(percentile(l, 99)),
      maxUs: round(l.at(-1) ?? null),
    };
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
  const subs = await setup(t.subscribers, (i) =>
    openConn(t, `/pubsub?topic=${encodeURIComponent(t.topic)}`, t.connectTimeoutMs, { onMessage: onMsg(i), onClose: (code) => c.close(code) }, topicQuery),
  );
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

function send(m: FromFaultClient): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  let onRestarted!: (v: Restart) => void;
  const restarted = new Promise<Restart>((r) => (onRestarted = r));
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
