// Protocol v1 server on Deno.serve + Deno.upgradeWebSocket, run by the deno binary.
// Endpoints and limits: harness/protocol/README.md.
import { Buffer } from "node:buffer"; // Buffer.byteLength counts UTF-8 bytes without encoding a copy (TextEncoder does)
import {
  CLOSE, SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, CONTROL_PREFIX, LIMIT_ENV, PATHS, encodeBinaryTick, encodeJsonTick, limitsFromEnv, parseStreamParams,
  type ServerStats, type StreamParams,
} from "../../../harness/protocol/src/index.ts";

/** Stack id (folder name). */
export const STACK = "deno";
/** How often idle connections are looked for, at most (a quarter of the idle timeout when shorter). */
export const IDLE_SWEEP_MS = 1000;

interface Conn {
  socket: WebSocket;
  kind: "echo" | "stream" | "pubsub";
  stream?: StreamParams;
  /** Topic from /pubsub?topic=, where this connection's data messages go. */
  topic?: string;
  topics: Set<string>;
  seq: number;
  timer?: ReturnType<typeof setInterval>;
  /** performance.now() of the last message received, for the idle timeout. */
  lastInMs: number;
  /** Set once the server closed or the client left: nothing more is sent. */
  done: boolean;
}

const env: Record<string, string | undefined> = {};
for (const name of Object.values(LIMIT_ENV)) env[name] = Deno.env.get(name);
const limits = limitsFromEnv(env);
if (limits.compression) {
  console.error("WSARENA_COMPRESSION=1: Deno.upgradeWebSocket has no permessage-deflate; run this stack with WSARENA_COMPRESSION=0.");
  Deno.exit(1);
}
const startedMs = Date.now();
const stats = { connections: 0, connectionsTotal: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, closedForBackpressure: 0 };
const conns = new Set<Conn>();
const topics = new Map<string, Set<Conn>>();

// Contract: tick ts is on CLOCK_MONOTONIC; performance.now() counts from process start, so calibrate an offset once.
const libc = Deno.dlopen("libc.so.6", { clock_gettime: { parameters: ["i32", "buffer"], result: "i32" } } as const);
const timespec = new BigInt64Array(2);
const beforeMs = performance.now();
libc.symbols.clock_gettime(1 /* CLOCK_MONOTONIC */, timespec);
const monoOffsetNs = Number(timespec[0]! * 1_000_000_000n + timespec[1]!) - ((beforeMs + performance.now()) / 2) * 1e6;
libc.close();
const monotonicNs = (): number => Math.round(monoOffsetNs + performance.now() * 1e6);

const byteLength = (d: string | ArrayBuffer | Uint8Array): number => (typeof d === "string" ? Buffer.byteLength(d) : d.byteLength);

/** Sends one data message through the backpressure policy; false when it was not sent. */
function send(c: Conn, data: string | ArrayBuffer | Uint8Array): boolean {
  if (c.done || c.socket.readyState !== WebSocket.OPEN) return false;
  if (limits.backpressure !== "buffer" && c.socket.bufferedAmount > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") {
      stats.dropped++;
      return false;
    }
    stats.closedForBackpressure++;
    end(c, CLOSE.policyViolation, "send buffer over WSARENA_MAX_BUFFERED");
    return false;
  }
  c.socket.send(data);
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

function end(c: Conn, code: number, reason: string): void {
  if (c.done) return;
  c.done = true;
  clearInterval(c.timer);
  for (const t of c.topics) unsubscribe(c, t);
  c.socket.close(code, reason);
}

function subscribe(c: Conn, topic: string): void {
  let subs = topics.get(topic);
  if (!subs) topics.set(topic, (subs = new Set()));
  subs.add(c);
  c.topics.add(topic);
}

function unsubscribe(c: Conn, topic: string): void {
  const subs = topics.get(topic);
  if (subs?.delete(c) && subs.size === 0) topics.delete(topic);
  c.topics.delete(topic);
}

/** Delivers to every subscriber of `topic`; returns how many were handed the message. */
function publish(topic: string, data: string | ArrayBuffer | Uint8Array): number {
  let delivered = 0;
  for (const s of [...(topics.get(topic) ?? [])]) if (send(s, data)) delivered++;
  return delivered;
}

const encodeTick = (c: Conn, seq: number) =>
  c.stream!.format === "json" ? encodeJsonTick(seq, monotonicNs(), c.stream!.size) : encodeBinaryTick(seq, monotonicNs(), c.stream!.size);

function startStream(c: Conn): void {
  const p = c.stream!;
  if (p.rate === 0) return pump(c);
  const t0 = performance.now();
  const tick = () => {
    // Catch up when the timer fired late: ticks due by now = elapsed * rate (+1 for the tick sent at t0).
    const due = Math.floor(((performance.now() - t0) * p.rate) / 1000) + 1;
    const target = p.count > 0 ? Math.min(due, p.count) : due;
    while (c.seq < target && !c.done) send(c, encodeTick(c, c.seq++));
    if (p.count > 0 && c.seq >= p.count) end(c, CLOSE.normal, "count reached");
  };
  c.timer = setInterval(tick, Math.max(1, 1000 / p.rate));
  tick();
}

/** rate=0: send while bufferedAmount is under the watermark, then poll until it drains (Deno has no drain event). */
function pump(c: Conn): void {
  const p = c.stream!;
  const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
  for (let n = 0; !c.done && (p.count === 0 || c.seq < p.count); n++) {
    if (n === STREAM_BATCH_TICKS || c.socket.bufferedAmount > watermark) {
      // Departure: no drain event on Deno's WebSocket; yield so queued sends complete, then look again.
      return void (n === STREAM_BATCH_TICKS ? setImmediate(() => pump(c)) : setTimeout(() => pump(c), 1));
    }
    const data = encodeTick(c, c.seq++);
    c.socket.send(data);
    stats.messagesOut++;
    stats.bytesOut += data.length;
  }
  if (p.count > 0 && c.seq >= p.count) end(c, CLOSE.normal, "count reached");
}

function onPubsubMessage(c: Conn, message: string | ArrayBuffer): void {
  if (typeof message === "string" && message.startsWith(CONTROL_PREFIX)) {
    let op: unknown, topic: unknown;
    try {
      ({ op, topic } = JSON.parse(message) as { op?: unknown; topic?: unknown });
    } catch { /* answered as an error below */ }
    if ((op === "sub" || op === "unsub") && typeof topic === "string" && topic !== "") {
      if (op === "sub") subscribe(c, topic);
      else unsubscribe(c, topic);
      send(c, JSON.stringify({ op: op === "sub" ? "subscribed" : "unsubscribed", topic }));
    } else {
      send(c, JSON.stringify({ op: "error", reason: 'unknown control message: expected {"op":"sub"|"unsub","topic":"<t>"}' }));
    }
  } else if (c.topic === undefined) {
    send(c, JSON.stringify({ op: "error", reason: "no topic: connect with /pubsub?topic=<t>" }));
  } else {
    publish(c.topic, message);
  }
}

function upgrade(req: Request, url: URL, kind: Conn["kind"]): Response {
  let stream: StreamParams | undefined;
  if (kind === "stream") {
    try {
      stream = parseStreamParams(url.searchParams);
    } catch (e) {
      return new Response(`invalid /stream parameters: ${(e as Error).message}\n`, { status: 400 });
    }
  }
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade\n", { status: 400 });
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) {
    return new Response(`connection limit reached (WSARENA_MAX_CONNECTIONS=${limits.maxConnections})\n`, { status: 503 });
  }
  // idleTimeout 0: Deno's own timeout is ping/pong based, the contract's counts data from the client (sweep below).
  const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  socket.binaryType = "arraybuffer";
  const c: Conn = { socket, kind, stream, topic: url.searchParams.get("topic") || undefined, topics: new Set(), seq: 0, lastInMs: performance.now(), done: false };
  stats.connections++; // counted at upgrade so concurrent upgrades cannot pass the limit
  socket.onopen = () => {
    stats.connectionsTotal++;
    conns.add(c);
    if (kind === "pubsub" && c.topic !== undefined) subscribe(c, c.topic);
    if (kind === "stream") startStream(c);
  };
  socket.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
    c.lastInMs = performance.now();
    const size = byteLength(e.data);
    // Departure: Deno.upgradeWebSocket has no max-payload option; the whole message arrives before it is refused.
    if (size > limits.maxPayloadBytes) return end(c, CLOSE.messageTooBig, "message over WSARENA_MAX_PAYLOAD");
    stats.messagesIn++;
    stats.bytesIn += size;
    if (kind === "echo") send(c, e.data);
    else if (kind === "pubsub") onPubsubMessage(c, e.data);
  };
  socket.onclose = () => {
    stats.connections--;
    conns.delete(c);
    c.done = true;
    clearInterval(c.timer);
    for (const t of c.topics) unsubscribe(c, t);
  };
  socket.onerror = () => {}; // a reset client ends in onclose; nothing to log
  return response;
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

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const kind = WS_KINDS[url.pathname];
  if (kind) return upgrade(req, url, kind);
  if (url.pathname === PATHS.health) return Response.json({ ok: true, stack: STACK });
  if (url.pathname === PATHS.stats) {
    const body: ServerStats = { ...stats, rssBytes: Deno.memoryUsage().rss, uptimeMs: Date.now() - startedMs };
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
}

if (limits.idleTimeoutS > 0) {
  const idleMs = limits.idleTimeoutS * 1000;
  setInterval(() => {
    const now = performance.now();
    for (const c of conns) if (now - c.lastInMs > idleMs) end(c, CLOSE.normal, "idle timeout");
  }, Math.min(IDLE_SWEEP_MS, idleMs / 4));
}

const server = Deno.serve({
  hostname: Deno.env.get("HOST") || "127.0.0.1",
  port: Number(Deno.env.get("PORT") || 0),
  onListen: ({ port }) => {
    console.log(JSON.stringify({ event: "ready", stack: STACK, port, pid: Deno.pid, version: Deno.version.deno }));
  },
}, handle);

function shutdown(): void {
  for (const c of conns) end(c, CLOSE.goingAway, "server shutting down");
  void server.shutdown();
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  setInterval(() => {
    if (conns.size === 0 || Date.now() > deadline) Deno.exit(0);
  }, 10);
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
