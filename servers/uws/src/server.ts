// Protocol v1 server on uWebSockets.js: one App with HTTP routes and a ws behaviour per endpoint.
// Refuses to start when the native addon did not load (the npm alias silently falls back to a slow ws shim).
import { createRequire } from "node:module";
import type * as UWS from "uWebSockets.js";
import {
  SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, CLOSE, CONTROL_PREFIX, PATHS, encodeBinaryTick, encodeJsonTick, limitsFromEnv, parseStreamParams,
  type ReadyLine, type ServerStats, type StreamParams,
} from "@wsarena/protocol";

const STACK_ID = "uws";
/** Smallest and largest idle timeouts uWebSockets.js accepts (it aborts the process outside them). */
export const UWS_MIN_IDLE_TIMEOUT_S = 8;
export const UWS_MAX_IDLE_TIMEOUT_S = 960;
/** Time allowed at shutdown when every close frame was written at once. */
export const SHUTDOWN_FLUSH_MS = 50;

const require = createRequire(import.meta.url);
const uWS = require("uWebSockets.js") as typeof UWS;
if (typeof uWS.getParts !== "function") {
  console.error("uws: the uWebSockets.js native addon did not load (the package fell back to its ws-based shim). " +
    "Expected a binary for this Node ABI in node_modules/uWebSockets.js/binaries; unset UWS_USE_FALLBACK, reinstall, or use a Node version it ships a binary for.");
  process.exit(1);
}
const version = (require("uWebSockets.js/package.json") as { version: string }).version;
const limits = limitsFromEnv(process.env);
const startedMs = performance.now();
const stats = { connections: 0, connectionsTotal: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, closedForBackpressure: 0 };

interface Conn {
  topic: string | null;
  topics: Set<string>;
  stream: StreamParams | null;
  /** Set by the close handler: a closed uWS.WebSocket must not be touched again. */
  closed: boolean;
  /** Next tick seq of a /stream connection. */
  seq: number;
  timer?: NodeJS.Timeout;
  pumpScheduled: boolean;
}
type WS = UWS.WebSocket<Conn>;
type Payload = ArrayBuffer | Uint8Array | string;
const sockets = new Set<WS>();
/** Subscribers per topic, mirroring the native subscriptions: gives the delivery count and the sockets to check for backpressure. */
const topics = new Map<string, Set<WS>>();

const byteLength = (data: Payload): number => (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength);

/** Sends one data message through the backpressure policy; returns false when it was not sent. */
function deliver(ws: WS, data: Payload, binary: boolean): boolean {
  if (ws.getUserData().closed) return false;
  if (ws.getBufferedAmount() > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") { stats.dropped++; return false; }
    if (limits.backpressure === "close") { stats.closedForBackpressure++; ws.end(CLOSE.policyViolation); return false; }
  }
  ws.send(data, binary, limits.compression);
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

/** Delivers to every subscriber of `topic`, the sender included; returns how many were handed the message. */
function publish(topic: string, data: Payload, binary: boolean): number {
  const subs = topics.get(topic);
  if (!subs) return 0;
  let over = false;
  if (limits.backpressure !== "buffer") for (const s of subs) if (s.getBufferedAmount() > limits.maxBufferedBytes) { over = true; break; }
  if (!over) {
    // Native fan-out: uWS queues it and writes each subscriber's batch corked. app.publish (not ws.publish) reaches the sender too.
    app.publish(topic, data, binary, limits.compression);
    stats.messagesOut += subs.size;
    stats.bytesOut += subs.size * byteLength(data);
    return subs.size;
  }
  // Departure: a subscriber is over WSARENA_MAX_BUFFERED, and app.publish cannot apply or count the policy per subscriber.
  // ws.send first flushes the subscriber's queued native messages, so per-subscriber order holds.
  let delivered = 0;
  for (const s of [...subs]) if (deliver(s, data, binary)) delivered++;
  return delivered;
}

function subscribe(ws: WS, topic: string): void {
  ws.subscribe(topic);
  ws.getUserData().topics.add(topic);
  let subs = topics.get(topic);
  if (!subs) topics.set(topic, (subs = new Set()));
  subs.add(ws);
}

function unsubscribe(ws: WS, topic: string): void {
  const conn = ws.getUserData();
  if (!conn.closed) ws.unsubscribe(topic); // uWS frees a closed socket's subscriptions itself
  conn.topics.delete(topic);
  const subs = topics.get(topic);
  if (subs?.delete(ws) && subs.size === 0) topics.delete(topic);
}

const reply = (ws: WS, body: object): boolean => deliver(ws, JSON.stringify(body), false);

function onControl(ws: WS, text: string): void {
  let msg: { op?: unknown; topic?: unknown };
  try { msg = JSON.parse(text) as typeof msg; } catch { reply(ws, { op: "error", reason: "control message is not valid JSON" }); return; }
  if ((msg.op === "sub" || msg.op === "unsub") && typeof msg.topic === "string" && msg.topic !== "") {
    if (msg.op === "sub") subscribe(ws, msg.topic); else unsubscribe(ws, msg.topic);
    reply(ws, { op: msg.op === "sub" ? "subscribed" : "unsubscribed", topic: msg.topic });
    return;
  }
  reply(ws, { op: "error", reason: 'expected {"op":"sub"|"unsub","topic":"<non-empty string>"}' });
}

function tickOf(p: StreamParams, seq: number): Payload {
  const ts = Number(process.hrtime.bigint());
  return p.format === "binary" ? encodeBinaryTick(seq, ts, p.size) : encodeJsonTick(seq, ts, p.size);
}

/** rate=0: send while under the watermark; the drain handler or the next batch resumes. */
function pump(ws: WS): void {
  const conn = ws.getUserData();
  conn.pumpScheduled = false;
  if (conn.closed || !conn.stream) return;
  const p = conn.stream;
  const watermark = Math.max(1, Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes));
  let yielded = false;
  ws.cork(() => {
    for (let n = 0; n < STREAM_BATCH_TICKS; n++) {
      if (p.count > 0 && conn.seq >= p.count) return ws.end(CLOSE.normal);
      if (ws.getBufferedAmount() >= watermark) return; // drain resumes
      const data = tickOf(p, conn.seq++);
      ws.send(data, p.format === "binary", limits.compression);
      stats.messagesOut++;
      stats.bytesOut += byteLength(data);
    }
    yielded = true;
  });
  if (yielded && !conn.closed) {
    conn.pumpScheduled = true;
    setImmediate(() => pump(ws)); // contract: a fast reader must not starve the event loop (SIGTERM, other sockets)
  }
}

function startPaced(ws: WS, p: StreamParams): void {
  const conn = ws.getUserData();
  const startNs = process.hrtime.bigint();
  conn.timer = setInterval(() => {
    if (conn.closed) return;
    // Catch up when the timer fired late: send every tick due by now, so the delivered rate equals `rate`.
    let due = Math.floor((Number(process.hrtime.bigint() - startNs) * p.rate) / 1e9) + 1;
    if (p.count > 0) due = Math.min(due, p.count);
    ws.cork(() => {
      while (conn.seq < due && !conn.closed) deliver(ws, tickOf(p, conn.seq++), p.format === "binary"); // a dropped tick still consumes its seq
      if (p.count > 0 && conn.seq >= p.count && !conn.closed) ws.end(CLOSE.normal);
    });
  }, Math.max(1, 1000 / p.rate));
}

const idleTimeoutS = limits.idleTimeoutS === 0 ? 0 : Math.min(UWS_MAX_IDLE_TIMEOUT_S, Math.max(UWS_MIN_IDLE_TIMEOUT_S, limits.idleTimeoutS));
if (idleTimeoutS !== limits.idleTimeoutS) {
  console.error(`uws: WSARENA_IDLE_TIMEOUT_S=${limits.idleTimeoutS} is outside the idleTimeout range uWebSockets.js accepts ` +
    `(0 or ${UWS_MIN_IDLE_TIMEOUT_S}..${UWS_MAX_IDLE_TIMEOUT_S} s); using ${idleTimeoutS} s`);
}

function behavior(path: string, message: (ws: WS, data: ArrayBuffer, isBinary: boolean) => void): UWS.WebSocketBehavior<Conn> {
  return {
    maxPayloadLength: limits.maxPayloadBytes,
    idleTimeout: idleTimeoutS,
    sendPingsAutomatically: false, // contract: close connections that send nothing, as the other stacks do (no server pings)
    maxBackpressure: 0, // contract: WSARENA_BACKPRESSURE is applied in publish()/deliver(); a native limit drops silently, 1008 close frame included
    compression: limits.compression ? uWS.SHARED_COMPRESSOR | uWS.SHARED_DECOMPRESSOR : uWS.DISABLED,
    upgrade: (res, req, context) => {
      let stream: StreamParams | null = null;
      if (path === PATHS.stream) {
        try { stream = parseStreamParams(new URLSearchParams(req.getQuery())); } catch (e) {
          res.writeStatus("400 Bad Request").end(`Bad Request: ${(e as Error).message}`, true);
          return;
        }
      }
      if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) {
        res.writeStatus("503 Service Unavailable").end("Service Unavailable", true);
        return;
      }
      const topic = path === PATHS.pubsub ? req.getQuery("topic") || null : null;
      const conn: Conn = { topic, topics: new Set(), stream, closed: false, seq: 0, pumpScheduled: false };
      res.upgrade(conn, req.getHeader("sec-websocket-key"), req.getHeader("sec-websocket-protocol"),
        req.getHeader("sec-websocket-extensions"), context);
    },
    open: (ws) => {
      sockets.add(ws);
      stats.connections++;
      stats.connectionsTotal++;
      const conn = ws.getUserData();
      if (conn.topic) subscribe(ws, conn.topic);
      if (conn.stream?.rate === 0) pump(ws);
      else if (conn.stream) startPaced(ws, conn.stream);
    },
    message: (ws, data, isBinary) => {
      stats.messagesIn++;
      stats.bytesIn += data.byteLength;
      message(ws, data, isBinary);
    },
    drain: (ws) => {
      const conn = ws.getUserData();
      if (conn.stream?.rate === 0 && !conn.pumpScheduled) pump(ws);
    },
    close: (ws) => {
      const conn = ws.getUserData();
      conn.closed = true;
      clearInterval(conn.timer);
      for (const t of conn.topics) unsubscribe(ws, t);
      sockets.delete(ws);
      stats.connections--;
    },
  };
}

const CONTROL_PREFIX_BYTES = Buffer.from(CONTROL_PREFIX);
const json = (res: UWS.HttpResponse, status: string, body: object): void => {
  res.cork(() => res.writeStatus(status).writeHeader("Content-Type", "application/json").end(JSON.stringify(body)));
};
const currentStats = (): ServerStats => ({ ...stats, rssBytes: process.memoryUsage.rss(), uptimeMs: Math.round(performance.now() - startedMs) });

const app = uWS.App()
  .ws<Conn>(PATHS.echo, behavior(PATHS.echo, (ws, data, isBinary) => { deliver(ws, data, isBinary); }))
  .ws<Conn>(PATHS.stream, behavior(PATHS.stream, () => {}))
  .ws<Conn>(PATHS.pubsub, behavior(PATHS.pubsub, (ws, data, isBinary) => {
    const topic = ws.getUserData().topic;
    if (!isBinary && CONTROL_PREFIX_BYTES.equals(Buffer.from(data, 0, Math.min(data.byteLength, CONTROL_PREFIX_BYTES.length)))) {
      onControl(ws, Buffer.from(data).toString());
    } else if (topic) publish(topic, data, isBinary);
    else reply(ws, { op: "error", reason: "no topic: connect with /pubsub?topic=<t>" });
  }))
  .get(PATHS.health, (res) => json(res, "200 OK", { ok: true, stack: STACK_ID }))
  .get(PATHS.stats, (res) => json(res, "200 OK", currentStats()))
  .post(`${PATHS.publish}*`, (res, req) => {
    const raw = req.getUrl().slice(PATHS.publish.length);
    let topic: string;
    try { topic = decodeURIComponent(raw); } catch { return json(res, "400 Bad Request", { ok: false, reason: `topic ${raw} is not valid percent-encoding` }); }
    if (!topic) return json(res, "404 Not Found", { ok: false, reason: "POST /publish/<topic> needs a topic" });
    const type = req.getHeader("content-type");
    const text = type.startsWith("text/") || type.startsWith("application/json");
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    res.onAborted(() => { aborted = true; });
    res.onData((chunk, isLast) => {
      if (aborted) return;
      size += chunk.byteLength;
      if (size > limits.maxPayloadBytes) {
        aborted = true;
        return json(res, "413 Payload Too Large", { ok: false, reason: `body over WSARENA_MAX_PAYLOAD (${limits.maxPayloadBytes} bytes)` });
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS neuters the chunk after the callback
      if (isLast) json(res, "200 OK", { ok: true, topic, delivered: publish(topic, Buffer.concat(chunks), !text) });
    });
  })
  .any("/*", (res, req) => json(res, "404 Not Found", { ok: false, reason: `no route for ${req.getMethod().toUpperCase()} ${req.getUrl()}` }));

let listenSocket: UWS.us_listen_socket | null = null;
function shutdown(): void {
  let backlogged = false;
  for (const ws of [...sockets]) {
    backlogged ||= ws.getBufferedAmount() > 0;
    ws.end(CLOSE.goingAway, "server shutting down");
  }
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  listenSocket = null;
  // uWS writes an unbacklogged close frame at once but keeps the loop alive afterwards, so exit on a timer:
  // briefly when every close frame went out, after the grace period when some sat behind buffered data.
  setTimeout(() => process.exit(0), backlogged ? SHUTDOWN_GRACE_MS : SHUTDOWN_FLUSH_MS);
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

app.listen(process.env.HOST || "127.0.0.1", Number(process.env.PORT ?? 0), (socket) => {
  if (!socket) {
    console.error(`uws: cannot listen on ${process.env.HOST || "127.0.0.1"}:${process.env.PORT ?? 0}; expected a free port (use PORT=0)`);
    process.exit(1);
  }
  listenSocket = socket;
  const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: uWS.us_socket_local_port(socket), pid: process.pid, version };
  process.stdout.write(JSON.stringify(ready) + "\n");
});
