// Protocol v1 server on Deno.serve + Deno.upgradeWebSocket, run by the deno binary.
// Idiomatic Deno: one fetch handler, the standard WebSocket API on the server side, pub/sub by a topic map in JS.
import { Buffer } from "node:buffer"; // Buffer.byteLength counts UTF-8 bytes without encoding a copy (TextEncoder does)
// deno runs with --no-npm: the workspace package by path
import {
  CLOSE,
  CONTROL_PREFIX,
  NO_TOPIC_REPLY,
  PATHS,
  SERVER_ENV_NAMES,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_SIGNALS,
  STREAM_BATCH_TICKS,
  STREAM_WATERMARK_BYTES,
  limitsFromEnv,
  listenFromEnv,
  serverState,
  startIdleSweep,
  exitWhenClosed,
  readyLine,
  type ReadyLine,
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
import { v8FullGc } from "@wsarena/protocol/gc";

// Configuration
const STACK_ID = "deno";
const env: Record<string, string | undefined> = {};
for (const name of SERVER_ENV_NAMES) env[name] = Deno.env.get(name); // --allow-env lists these names only
const limits = limitsFromEnv(env);
const listen = listenFromEnv(env);
const version = Deno.version.deno;
if (limits.compression) {
  console.error("WSARENA_COMPRESSION=1: Deno.upgradeWebSocket has no permessage-deflate; run this stack with WSARENA_COMPRESSION=0.");
  Deno.exit(1);
}

// State
interface Conn {
  socket: WebSocket;
  stream?: StreamParams;
  /** Topic from /pubsub?topic=, where this connection's data messages go. */
  topic?: string;
  seq: number;
  timer?: ReturnType<typeof setInterval>;
  idleSweeps: number;
  /** Set once the server closed or the client left: nothing more is sent. */
  done: boolean;
}
type Payload = string | ArrayBuffer | Uint8Array;
const { startedMs, stats, topics, conns } = serverState<Conn>();

// Hot path: send with the backpressure policy, pub/sub delivery, stream pacing
// Contract: tick ts is on CLOCK_MONOTONIC; performance.now() counts from process start, so calibrate an offset once.
const libc = Deno.dlopen("libc.so.6", { clock_gettime: { parameters: ["i32", "buffer"], result: "i32" } } as const);
const timespec = new BigInt64Array(2);
const beforeMs = performance.now();
libc.symbols.clock_gettime(1 /* CLOCK_MONOTONIC */, timespec);
const monoOffsetNs = Number(timespec[0]! * 1_000_000_000n + timespec[1]!) - ((beforeMs + performance.now()) / 2) * 1e6;
libc.close();
const monotonicNs = (): number => Math.round(monoOffsetNs + performance.now() * 1e6);

const byteLength = (data: Payload): number => (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength);

/** Sends one data message through the backpressure policy; returns false when it was not sent. */
function deliver(conn: Conn, data: Payload): boolean {
  if (conn.done || conn.socket.readyState !== WebSocket.OPEN) return false;
  if (limits.backpressure !== "buffer" && conn.socket.bufferedAmount > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") {
      stats.dropped++;
      return false;
    }
    stats.closedForBackpressure++;
    end(conn, CLOSE.policyViolation, "send buffer over WSARENA_MAX_BUFFERED");
    return false;
  }
  conn.socket.send(data);
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

/** Closes from the server side once: stops the stream, leaves every topic. */
function end(conn: Conn, code: number, reason: string): void {
  if (conn.done) return;
  conn.done = true;
  clearInterval(conn.timer);
  topics.unsubscribeAll(conn);
  conn.socket.close(code, reason);
}

/** Delivers to every subscriber of `topic`, the sender included; returns how many were handed the message. */
function publish(topic: string, data: Payload): number {
  let delivered = 0;
  for (const sub of [...(topics.subscribers(topic) ?? [])]) if (deliver(sub, data)) delivered++; // copy: a close policy unsubscribes
  return delivered;
}

function onControl(conn: Conn, text: string): void {
  deliver(conn, topics.control(conn, text));
}

const tickOf = (p: StreamParams, seq: number): string | Uint8Array =>
  p.format === "json" ? encodeJsonTick(seq, monotonicNs(), p.size) : encodeBinaryTick(seq, monotonicNs(), p.size);

function startStream(conn: Conn, p: StreamParams): void {
  if (p.rate === 0) return pump(conn, p);
  const startMs = paceNowMs();
  const tick = (): void => {
    const due = ticksDue(paceNowMs() - startMs, p.rate, p.count);
    while (conn.seq < due && !conn.done) deliver(conn, tickOf(p, conn.seq++)); // a dropped tick still consumes its seq
    if (p.count > 0 && conn.seq >= p.count) end(conn, CLOSE.normal, "count reached");
  };
  conn.timer = setInterval(tick, paceIntervalMs(p.rate));
  tick();
}

/** rate=0: send while bufferedAmount is under the watermark, then poll until it drains. Never drops. */
function pump(conn: Conn, p: StreamParams): void {
  const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
  for (let n = 0; !conn.done && (p.count === 0 || conn.seq < p.count); n++) {
    if (n === STREAM_BATCH_TICKS) return void setImmediate(() => pump(conn, p)); // contract: a fast reader must not starve the event loop
    // Departure: no drain event on Deno's WebSocket; wait a millisecond so queued sends complete, then look again.
    if (conn.socket.bufferedAmount > watermark) return void setTimeout(() => pump(conn, p), 1);
    const data = tickOf(p, conn.seq++);
    conn.socket.send(data);
    stats.messagesOut++;
    stats.bytesOut += data.length; // ticks are ASCII: length is bytes for both encodings
  }
  if (p.count > 0 && conn.seq >= p.count) end(conn, CLOSE.normal, "count reached");
}

function accept(req: Request, path: WsEndpoint, stream: StreamParams | undefined, topic: string | undefined): Response {
  // Deno's idleTimeout is ping/pong based: it pings after idleTimeout/2 s without a received frame and closes when no pong
  // follows within idleTimeout/2 s, so 2 × WSARENA_PING_INTERVAL_S is the heartbeat (0 = off). The contract's idle timeout
  // counts data from the client instead (startIdleSweep below).
  const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: limits.pingIntervalS * 2 });
  socket.binaryType = "arraybuffer";
  const conn: Conn = { socket, stream, topic, seq: 0, idleSweeps: 0, done: false };
  stats.connections++; // counted at upgrade so concurrent upgrades cannot pass the limit
  socket.onopen = () => {
    conns.add(conn);
    stats.connectionsTotal++;
    if (topic !== undefined) topics.subscribe(conn, topic);
    if (stream) startStream(conn, stream);
  };
  socket.onmessage = (e: MessageEvent<string | ArrayBuffer>) => {
    const message = e.data;
    conn.idleSweeps = 0;
    const size = byteLength(message);
    // Departure: Deno.upgradeWebSocket has no max-payload option; the whole message arrives before it is refused.
    if (size > limits.maxPayloadBytes) return end(conn, CLOSE.messageTooBig, "message over WSARENA_MAX_PAYLOAD");
    stats.messagesIn++;
    stats.bytesIn += size;
    if (path === PATHS.echo) deliver(conn, message);
    else if (path === PATHS.pubsub) {
      if (typeof message === "string" && message.startsWith(CONTROL_PREFIX)) onControl(conn, message);
      else if (topic !== undefined) publish(topic, message);
      else deliver(conn, NO_TOPIC_REPLY);
    }
  };
  socket.onclose = () => {
    conns.delete(conn);
    stats.connections--;
    topics.unsubscribeAll(conn);
    conn.done = true;
    clearInterval(conn.timer);
  };
  socket.onerror = () => {}; // a reset client ends in onclose; nothing to log
  return response;
}

// HTTP endpoints, then the upgrade routing (404 / 503 / 400)
const fullGc = v8FullGc(limits.gcEndpoint);
const routes: FetchRoutes = {
  stack: STACK_ID,
  stats: () => statsBody(stats, Deno.memoryUsage().rss, startedMs),
  maxPayloadBytes: limits.maxPayloadBytes,
  publish,
  gc: fullGc ? () => (fullGc(), Deno.memoryUsage().rss) : null,
};

function upgrade(req: Request, url: URL, path: WsEndpoint): Response {
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
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket")
    return errorResponse(badRequest(`${path} is a WebSocket endpoint: expected an upgrade request`));
  // contract: Deno.upgradeWebSocket throws on a missing key, which Deno.serve would answer with 500
  if (!req.headers.get("sec-websocket-key")) return errorResponse(badRequest("WebSocket upgrade without Sec-WebSocket-Key"));
  return accept(req, path, stream, topic);
}

function onRequest(req: Request): Promise<Response> | Response {
  const url = new URL(req.url);
  const endpoint = wsEndpoint(url.pathname);
  return endpoint ? upgrade(req, url, endpoint) : fetchRoutes(req, url.pathname, routes);
}

// Lifecycle: idle sweep, listen, ready line, SIGTERM → 1001 → exit 0
startIdleSweep(limits.idleTimeoutS, conns, (conn) => end(conn, CLOSE.goingAway, "idle timeout"));

const server = Deno.serve(
  {
    hostname: listen.host,
    port: listen.port,
    onListen: ({ port }) => {
      const ready: ReadyLine = { event: "ready", stack: STACK_ID, port, pid: Deno.pid, version };
      Deno.stdout.writeSync(new TextEncoder().encode(readyLine(ready)));
    },
  },
  onRequest,
);

function shutdown(): void {
  for (const conn of conns) end(conn, CLOSE.goingAway, "server shutting down");
  void server.shutdown();
  exitWhenClosed(conns, () => Deno.exit(0), SHUTDOWN_GRACE_MS);
}
for (const signal of SHUTDOWN_SIGNALS) Deno.addSignalListener(signal, shutdown);
