// Protocol v1 server on Bun.serve with Bun's native WebSocket (uWebSockets inside), run by the bun binary.
// Idiomatic Bun: websocket handlers with per-socket `data`, ws.cork for bursts, pub/sub by ws.subscribe + server.publish.
import { dlopen, FFIType, ptr } from "bun:ffi";
import type { Server, ServerWebSocket } from "bun";
import {
  CLOSE,
  CONTROL_PREFIX,
  NO_TOPIC_REPLY,
  PATHS,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_SIGNALS,
  STREAM_BATCH_TICKS,
  STREAM_WATERMARK_BYTES,
  limitsFromEnv,
  listenFromEnv,
  serverState,
  startPings,
  TopicRegistry,
  exitWhenClosed,
  readyLine,
  type ReadyLine,
  anyOverBuffered,
  deliverEach,
  encodeBinaryTick,
  encodeJsonTick,
  paceIntervalMs,
  paceNowMs,
  ticksDue,
  type StreamParams,
  badRequest,
  errorResponse,
  fetchRoutes,
  overConnectionLimit,
  parseStreamParams,
  statsBody,
  wsEndpoint,
  type FetchRoutes,
  type WsEndpoint,
} from "@wsarena/protocol";

// Configuration
const STACK_ID = "bun";
/** Largest idle timeout Bun accepts, in seconds. */
export const BUN_MAX_IDLE_TIMEOUT_S = 960;
const limits = limitsFromEnv(process.env);
const listen = listenFromEnv(process.env);
const version = Bun.version;

// State
interface Conn {
  path: WsEndpoint;
  stream?: StreamParams;
  /** Topic from /pubsub?topic=, where this connection's data messages go. */
  topic?: string;
  seq: number;
  timer?: ReturnType<typeof setInterval>;
  /** A rate=0 pump is scheduled (setImmediate): drain must not start a second one. */
  pumpScheduled: boolean;
  /** Set once the server closed or the client left: nothing more is sent. */
  done: boolean;
}
type WS = ServerWebSocket<Conn>;
type Payload = string | Uint8Array;
const { startedMs, stats, conns } = serverState<WS>();
/** Mirror of Bun's native subscriptions: gives the delivery count and the sockets to check for backpressure. */
const topics = new TopicRegistry<WS>({
  subscribe: (ws, topic) => ws.subscribe(topic),
  unsubscribe: (ws, topic) => {
    if (ws.readyState === 1) ws.unsubscribe(topic);
  }, // a closed socket has left every topic already
});

// Hot path: send with the backpressure policy, pub/sub delivery, stream pacing
// Contract: tick ts is on CLOCK_MONOTONIC; Bun.nanoseconds() counts from process start, so calibrate an offset once.
const libc = dlopen("libc.so.6", { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
const timespec = new BigInt64Array(2);
const before = Bun.nanoseconds();
libc.symbols.clock_gettime(1 /* CLOCK_MONOTONIC */, ptr(timespec));
const monoOffsetNs = Number(timespec[0]! * 1_000_000_000n + timespec[1]!) - (before + Bun.nanoseconds()) / 2;
libc.close();
const monotonicNs = (): number => Math.round(monoOffsetNs + Bun.nanoseconds());

const byteLength = (data: Payload): number => (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength);

/** Sends one data message through the backpressure policy; returns false when it was not sent. */
function deliver(ws: WS, data: Payload): boolean {
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
  ws.send(data, limits.compression); // Bun compresses a message only when send() is asked to, even with perMessageDeflate on
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

/** Closes from the server side once: stops the stream, leaves every topic. */
function end(ws: WS, code: number, reason: string): void {
  const conn = ws.data;
  if (conn.done) return;
  conn.done = true;
  clearInterval(conn.timer);
  topics.unsubscribeAll(ws);
  ws.close(code, reason);
}

/** Delivers to every subscriber of `topic`, the sender included; returns how many were handed the message. */
function publish(topic: string, data: Payload): number {
  const subs = topics.subscribers(topic);
  if (!subs) return 0;
  if (limits.backpressure === "buffer" || !anyOverBuffered(subs, limits.maxBufferedBytes)) {
    server.publish(topic, data, limits.compression); // native fan-out: nobody is over the limit, so every subscriber gets it
    stats.messagesOut += subs.size;
    stats.bytesOut += subs.size * byteLength(data);
    return subs.size;
  }
  // Departure: a subscriber is over WSARENA_MAX_BUFFERED, and server.publish cannot apply or count the policy per subscriber.
  return deliverEach(subs, (s) => deliver(s, data));
}

function onControl(ws: WS, text: string): void {
  deliver(ws, topics.control(ws, text));
}

const tickOf = (p: StreamParams, seq: number): Payload =>
  p.format === "json" ? encodeJsonTick(seq, monotonicNs(), p.size) : encodeBinaryTick(seq, monotonicNs(), p.size);

function startStream(ws: WS, p: StreamParams): void {
  if (p.rate === 0) return pump(ws);
  const conn = ws.data;
  const startMs = paceNowMs();
  const tick = (): void => {
    const due = ticksDue(paceNowMs() - startMs, p.rate, p.count);
    // ws.cork batches the ticks due now into one write, as Bun's docs advise for several sends in a row.
    if (conn.seq < due)
      ws.cork(() => {
        while (conn.seq < due && !conn.done) deliver(ws, tickOf(p, conn.seq++));
      }); // a dropped tick still consumes its seq
    if (p.count > 0 && conn.seq >= p.count) end(ws, CLOSE.normal, "count reached");
  };
  conn.timer = setInterval(tick, paceIntervalMs(p.rate));
  tick();
}

/** rate=0: send while the buffer is under the watermark; drain() calls this again. Never drops. */
function pump(ws: WS): void {
  const conn = ws.data;
  const p = conn.stream!;
  conn.pumpScheduled = false;
  const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
  ws.cork(() => {
    for (let n = 0; !conn.done && (p.count === 0 || conn.seq < p.count) && ws.getBufferedAmount() <= watermark; n++) {
      if (n === STREAM_BATCH_TICKS) {
        conn.pumpScheduled = true;
        return void setImmediate(() => pump(ws)); // contract: a fast reader must not starve the event loop (SIGTERM, other sockets)
      }
      const data = tickOf(p, conn.seq++);
      ws.send(data, limits.compression);
      stats.messagesOut++;
      stats.bytesOut += byteLength(data);
    }
  });
  if (p.count > 0 && conn.seq >= p.count) end(ws, CLOSE.normal, "count reached");
}

const websocket: Bun.WebSocketHandler<Conn> = {
  maxPayloadLength: limits.maxPayloadBytes,
  backpressureLimit: 2 ** 31 - 1, // contract: WSARENA_BACKPRESSURE is applied in deliver()/publish(); Bun's own limit would drop silently
  closeOnBackpressureLimit: false,
  perMessageDeflate: limits.compression,
  idleTimeout: Math.min(limits.idleTimeoutS, BUN_MAX_IDLE_TIMEOUT_S),
  sendPings: false, // contract: idle means the client sent nothing; WSARENA_PING_INTERVAL_S pings come from startPings below
  publishToSelf: true,
  open(ws) {
    conns.add(ws);
    stats.connections++;
    stats.connectionsTotal++;
    const conn = ws.data;
    if (conn.topic !== undefined) topics.subscribe(ws, conn.topic);
    if (conn.stream) startStream(ws, conn.stream);
  },
  message(ws, message) {
    stats.messagesIn++;
    stats.bytesIn += byteLength(message);
    const conn = ws.data;
    if (conn.path === PATHS.echo) deliver(ws, message);
    else if (conn.path === PATHS.pubsub) {
      if (typeof message === "string" && message.startsWith(CONTROL_PREFIX)) onControl(ws, message);
      else if (conn.topic !== undefined) publish(conn.topic, message);
      else deliver(ws, NO_TOPIC_REPLY);
    }
  },
  drain(ws) {
    if (ws.data.stream?.rate === 0 && !ws.data.pumpScheduled) pump(ws);
  },
  close(ws) {
    conns.delete(ws);
    stats.connections--;
    topics.unsubscribeAll(ws);
    ws.data.done = true;
    clearInterval(ws.data.timer);
  },
};

// HTTP endpoints, then the upgrade routing (404 / 503 / 400)
const routes: FetchRoutes = {
  stack: STACK_ID,
  stats: () => statsBody(stats, process.memoryUsage.rss(), startedMs),
  maxPayloadBytes: limits.maxPayloadBytes,
  publish,
  gc: limits.gcEndpoint ? () => (Bun.gc(true), process.memoryUsage.rss()) : null, // POST /gc: Bun's own synchronous full collection
};

function upgrade(req: Request, srv: Server<Conn>, url: URL, path: WsEndpoint): Response | undefined {
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) return errorResponse(overConnectionLimit(limits.maxConnections));
  let stream: StreamParams | undefined;
  if (path === PATHS.stream) {
    try {
      stream = parseStreamParams(url.searchParams);
    } catch (e) {
      return errorResponse(badRequest((e as Error).message));
    }
  }
  const topic = path === PATHS.pubsub ? url.searchParams.get("topic") || undefined : undefined;
  const data: Conn = { path, stream, topic, seq: 0, pumpScheduled: false, done: false };
  if (srv.upgrade(req, { data })) return undefined;
  return errorResponse(badRequest(`${path} is a WebSocket endpoint: expected an upgrade request`));
}

async function onRequest(req: Request, srv: Server<Conn>): Promise<Response | undefined> {
  const url = new URL(req.url);
  const endpoint = wsEndpoint(url.pathname);
  return endpoint ? upgrade(req, srv, url, endpoint) : fetchRoutes(req, url.pathname, routes);
}

const server = Bun.serve<Conn, never>({ hostname: listen.host, port: listen.port, fetch: onRequest, websocket });

// Lifecycle: heartbeat, listen, ready line, SIGTERM → 1001 → exit 0 (the idle timeout is Bun's own idleTimeout above)
startPings(limits.pingIntervalS, conns, (ws) => ws.ping());
function shutdown(): void {
  for (const ws of conns) end(ws, CLOSE.goingAway, "server shutting down");
  server.stop();
  exitWhenClosed(conns, () => process.exit(0), SHUTDOWN_GRACE_MS);
}
for (const signal of SHUTDOWN_SIGNALS) process.once(signal, shutdown);

const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: server.port ?? 0, pid: process.pid, version };
process.stdout.write(readyLine(ready));
