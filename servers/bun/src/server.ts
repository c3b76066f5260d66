// Protocol v1 server on Bun.serve with Bun's native WebSocket (uWebSockets inside), run by the bun binary.
// Endpoints and limits: harness/protocol/README.md.
import { dlopen, FFIType, ptr } from "bun:ffi";
import type { Server, ServerWebSocket } from "bun";
import {
  CLOSE, SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, CONTROL_PREFIX, PATHS, encodeBinaryTick, encodeJsonTick, limitsFromEnv, parseStreamParams,
  type ServerStats, type StreamParams,
} from "@wsarena/protocol";

/** Stack id (folder name). */
export const STACK = "bun";
/** Largest idle timeout Bun accepts, in seconds. */
export const BUN_MAX_IDLE_TIMEOUT_S = 960;

interface Conn {
  kind: "echo" | "stream" | "pubsub";
  stream?: StreamParams;
  /** Topic from /pubsub?topic=, where this connection's data messages go. */
  topic?: string;
  /** Topics subscribed now (mirror of Bun's native subscriptions, iterated when a subscriber is over the limit). */
  topics: Set<string>;
  seq: number;
  timer?: ReturnType<typeof setInterval>;
  /** A rate=0 pump is scheduled (setImmediate): drain must not start a second one. */
  pumpScheduled: boolean;
  /** Set once the server closed or the client left: nothing more is sent. */
  done: boolean;
}
type WS = ServerWebSocket<Conn>;

const limits = limitsFromEnv(process.env);
const startedMs = Date.now();
const stats = { connections: 0, connectionsTotal: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, closedForBackpressure: 0 };
const sockets = new Set<WS>();
const topics = new Map<string, Set<WS>>();

// Contract: tick ts is on CLOCK_MONOTONIC; Bun.nanoseconds() counts from process start, so calibrate an offset once.
const libc = dlopen("libc.so.6", { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
const timespec = new BigInt64Array(2);
const before = Bun.nanoseconds();
libc.symbols.clock_gettime(1 /* CLOCK_MONOTONIC */, ptr(timespec));
const monoOffsetNs = Number(timespec[0]! * 1_000_000_000n + timespec[1]!) - (before + Bun.nanoseconds()) / 2;
libc.close();
const monotonicNs = (): number => Math.round(monoOffsetNs + Bun.nanoseconds());

const byteLength = (d: string | Uint8Array): number => (typeof d === "string" ? Buffer.byteLength(d) : d.byteLength);

/** Sends one data message through the backpressure policy; false when it was not sent. */
function send(ws: WS, data: string | Uint8Array): boolean {
  if (ws.data.done) return false;
  if (limits.backpressure !== "buffer" && ws.getBufferedAmount() > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") {
      stats.dropped++;
      return false;
    }
    stats.closedForBackpressure++;
    end(ws, CLOSE.policyViolation, "send buffer over WSARENA_MAX_BUFFERED");
    return false;
  }
  ws.send(data);
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

function end(ws: WS, code: number, reason: string): void {
  const c = ws.data;
  if (c.done) return;
  c.done = true;
  clearInterval(c.timer);
  for (const t of c.topics) unsubscribe(ws, t);
  ws.close(code, reason);
}

function subscribe(ws: WS, topic: string): void {
  let subs = topics.get(topic);
  if (!subs) topics.set(topic, (subs = new Set()));
  subs.add(ws);
  ws.data.topics.add(topic);
  ws.subscribe(topic);
}

function unsubscribe(ws: WS, topic: string): void {
  const subs = topics.get(topic);
  if (subs?.delete(ws) && subs.size === 0) topics.delete(topic);
  ws.data.topics.delete(topic);
  if (ws.readyState === 1) ws.unsubscribe(topic); // a closed socket has left every topic already
}

/** Delivers to every subscriber of `topic`; returns how many were handed the message. */
function publish(topic: string, data: string | Uint8Array): number {
  const subs = topics.get(topic);
  if (!subs) return 0;
  let over = false;
  if (limits.backpressure !== "buffer") for (const s of subs) if (s.getBufferedAmount() > limits.maxBufferedBytes) over = true;
  if (!over) {
    server.publish(topic, data); // native fan-out: nobody is over the limit, so every subscriber gets it
    stats.messagesOut += subs.size;
    stats.bytesOut += subs.size * byteLength(data);
    return subs.size;
  }
  // Departure: a subscriber is over WSARENA_MAX_BUFFERED, and server.publish cannot apply or count a per-subscriber policy.
  let delivered = 0;
  for (const s of [...subs]) if (send(s, data)) delivered++;
  return delivered;
}

function sendTick(ws: WS): boolean {
  const p = ws.data.stream!;
  const seq = ws.data.seq++;
  return send(ws, p.format === "json" ? encodeJsonTick(seq, monotonicNs(), p.size) : encodeBinaryTick(seq, monotonicNs(), p.size));
}

function startStream(ws: WS): void {
  const p = ws.data.stream!;
  if (p.rate === 0) return pump(ws);
  const t0 = performance.now();
  const tick = () => {
    // Catch up when the timer fired late: ticks due by now = elapsed * rate (+1 for the tick sent at t0).
    const due = Math.floor(((performance.now() - t0) * p.rate) / 1000) + 1;
    const target = p.count > 0 ? Math.min(due, p.count) : due;
    // ws.cork batches the ticks due now into one write, as Bun's docs advise for several sends in a row.
    if (ws.data.seq < target) ws.cork(() => { while (ws.data.seq < target && !ws.data.done) sendTick(ws); });
    if (p.count > 0 && ws.data.seq >= p.count) end(ws, CLOSE.normal, "count reached");
  };
  ws.data.timer = setInterval(tick, Math.max(1, 1000 / p.rate));
  tick();
}

/** rate=0: send while the buffer is under the watermark; drain() calls this again. Never drops. */
function pump(ws: WS): void {
  const c = ws.data;
  const p = c.stream!;
  c.pumpScheduled = false;
  const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
  ws.cork(() => pumpBatch(ws, watermark));
  if (p.count > 0 && c.seq >= p.count) end(ws, CLOSE.normal, "count reached");
}

/** Sends up to STREAM_BATCH_TICKS ticks (corked by the caller) while under the watermark; schedules the next batch. */
function pumpBatch(ws: WS, watermark: number): void {
  const c = ws.data;
  const p = c.stream!;
  for (let n = 0; !c.done && (p.count === 0 || c.seq < p.count) && ws.getBufferedAmount() <= watermark; n++) {
    if (n === STREAM_BATCH_TICKS) {
      c.pumpScheduled = true;
      return void setImmediate(() => pump(ws));
    }
    const seq = c.seq++;
    const data = p.format === "json" ? encodeJsonTick(seq, monotonicNs(), p.size) : encodeBinaryTick(seq, monotonicNs(), p.size);
    ws.send(data);
    stats.messagesOut++;
    stats.bytesOut += byteLength(data);
  }
}

function onPubsubMessage(ws: WS, message: string | Buffer): void {
  if (typeof message === "string" && message.startsWith(CONTROL_PREFIX)) {
    let op: unknown, topic: unknown;
    try {
      ({ op, topic } = JSON.parse(message) as { op?: unknown; topic?: unknown });
    } catch { /* answered as an error below */ }
    if ((op === "sub" || op === "unsub") && typeof topic === "string" && topic !== "") {
      if (op === "sub") subscribe(ws, topic);
      else unsubscribe(ws, topic);
      send(ws, JSON.stringify({ op: op === "sub" ? "subscribed" : "unsubscribed", topic }));
    } else {
      send(ws, JSON.stringify({ op: "error", reason: 'unknown control message: expected {"op":"sub"|"unsub","topic":"<t>"}' }));
    }
  } else if (ws.data.topic === undefined) {
    send(ws, JSON.stringify({ op: "error", reason: "no topic: connect with /pubsub?topic=<t>" }));
  } else {
    publish(ws.data.topic, message);
  }
}

function upgrade(req: Request, srv: Server<Conn>, url: URL, kind: Conn["kind"]): Response | undefined {
  let stream: StreamParams | undefined;
  if (kind === "stream") {
    try {
      stream = parseStreamParams(url.searchParams);
    } catch (e) {
      return new Response(`invalid /stream parameters: ${(e as Error).message}\n`, { status: 400 });
    }
  }
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) {
    return new Response(`connection limit reached (WSARENA_MAX_CONNECTIONS=${limits.maxConnections})\n`, { status: 503 });
  }
  const topic = url.searchParams.get("topic") || undefined;
  const data: Conn = { kind, stream, topic, topics: new Set(), seq: 0, pumpScheduled: false, done: false };
  if (srv.upgrade(req, { data })) return undefined;
  return new Response("expected a WebSocket upgrade\n", { status: 400 });
}

/** Topic of POST /publish/<topic>, percent-decoded; null when the encoding is malformed. */
function decodeTopic(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

const WS_KINDS: Record<string, Conn["kind"]> = { [PATHS.echo]: "echo", [PATHS.stream]: "stream", [PATHS.pubsub]: "pubsub" };

const server = Bun.serve<Conn, never>({
  hostname: process.env.HOST || "127.0.0.1",
  port: Number(process.env.PORT || 0),
  async fetch(req, srv) {
    const url = new URL(req.url);
    const kind = WS_KINDS[url.pathname];
    if (kind) return upgrade(req, srv, url, kind);
    if (url.pathname === PATHS.health) return Response.json({ ok: true, stack: STACK });
    if (url.pathname === PATHS.stats) {
      const body: ServerStats = { ...stats, rssBytes: process.memoryUsage.rss(), uptimeMs: Date.now() - startedMs };
      return Response.json(body);
    }
    if (req.method === "POST" && url.pathname.startsWith(PATHS.publish) && url.pathname.length > PATHS.publish.length) {
      const topic = decodeTopic(url.pathname.slice(PATHS.publish.length));
      if (topic === null) return new Response("topic is not valid percent-encoding\n", { status: 400 });
      const type = req.headers.get("content-type") ?? "";
      const body = type.startsWith("text/") || type.startsWith("application/json") ? await req.text() : new Uint8Array(await req.arrayBuffer());
      return Response.json({ ok: true, topic, delivered: publish(topic, body) });
    }
    return new Response("not found\n", { status: 404 });
  },
  websocket: {
    maxPayloadLength: limits.maxPayloadBytes,
    // Policy is applied in send(); Bun's own limit would drop silently, so it is set out of reach.
    backpressureLimit: 2 ** 31 - 1,
    closeOnBackpressureLimit: false,
    perMessageDeflate: limits.compression,
    idleTimeout: Math.min(limits.idleTimeoutS, BUN_MAX_IDLE_TIMEOUT_S),
    // Contract: idle means the client sent nothing; server pings would be answered by pongs and keep it alive.
    sendPings: false,
    publishToSelf: true,
    open(ws) {
      stats.connections++;
      stats.connectionsTotal++;
      sockets.add(ws);
      if (ws.data.kind === "pubsub" && ws.data.topic !== undefined) subscribe(ws, ws.data.topic);
      if (ws.data.kind === "stream") startStream(ws);
    },
    message(ws, message) {
      stats.messagesIn++;
      stats.bytesIn += byteLength(message);
      if (ws.data.kind === "echo") send(ws, message);
      else if (ws.data.kind === "pubsub") onPubsubMessage(ws, message);
    },
    drain(ws) {
      if (ws.data.kind === "stream" && ws.data.stream!.rate === 0 && !ws.data.pumpScheduled) pump(ws);
    },
    close(ws) {
      stats.connections--;
      sockets.delete(ws);
      for (const t of ws.data.topics) unsubscribe(ws, t);
      ws.data.done = true;
      clearInterval(ws.data.timer);
    },
  },
});

function shutdown(): void {
  for (const ws of sockets) end(ws, CLOSE.goingAway, "server shutting down");
  server.stop();
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  const wait = setInterval(() => {
    if (sockets.size === 0 || Date.now() > deadline) {
      clearInterval(wait);
      process.exit(0);
    }
  }, 10);
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

process.stdout.write(JSON.stringify({ event: "ready", stack: STACK, port: server.port, pid: process.pid, version: Bun.version }) + "\n");
