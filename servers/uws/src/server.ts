// Protocol v1 server on uWebSockets.js: one App with HTTP routes and a ws behaviour per endpoint.
// Idiomatic uWS: per-socket user data, cork for bursts, native app.publish; refuses to start without the native addon.
import { createRequire } from "node:module";
import type * as UWS from "uWebSockets.js";
import {
  CLOSE,
  CONTROL_PREFIX,
  JSON_CONTENT_TYPE,
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
  gcBody,
  isTextBody,
  notFound,
  overConnectionLimit,
  parseStreamParams,
  payloadTooLarge,
  publishTopic,
  statsBody,
  wsEndpoint,
  type ErrorReply,
  type WsEndpoint,
} from "@wsarena/protocol";
import { v8FullGc } from "@wsarena/protocol/gc";
import { bridgeFromEnv } from "@wsarena/protocol/broker";

// Configuration
const STACK_ID = "uws";
/** Smallest and largest idle timeouts uWebSockets.js accepts (it aborts the process outside them). */
export const UWS_MIN_IDLE_TIMEOUT_S = 8;
export const UWS_MAX_IDLE_TIMEOUT_S = 960;
/** Time allowed at shutdown when every close frame was written at once. */
export const SHUTDOWN_FLUSH_MS = 50;
const require = createRequire(import.meta.url);
const uWS = require("uWebSockets.js") as typeof UWS;
if (typeof uWS.getParts !== "function") {
  console.error(
    "uws: the uWebSockets.js native addon did not load (the package fell back to its ws-based shim). " +
      "Expected a binary for this Node ABI in node_modules/uWebSockets.js/binaries; unset UWS_USE_FALLBACK, reinstall, or use a Node version it ships a binary for.",
  );
  process.exit(1);
}
const limits = limitsFromEnv(process.env);
const listen = listenFromEnv(process.env);
const version = (require("uWebSockets.js/package.json") as { version: string }).version;
const idleTimeoutS = limits.idleTimeoutS === 0 ? 0 : Math.min(UWS_MAX_IDLE_TIMEOUT_S, Math.max(UWS_MIN_IDLE_TIMEOUT_S, limits.idleTimeoutS));
if (idleTimeoutS !== limits.idleTimeoutS) {
  console.error(
    `uws: WSARENA_IDLE_TIMEOUT_S=${limits.idleTimeoutS} is outside the idleTimeout range uWebSockets.js accepts ` +
      `(0 or ${UWS_MIN_IDLE_TIMEOUT_S}..${UWS_MAX_IDLE_TIMEOUT_S} s); using ${idleTimeoutS} s`,
  );
}

// State
interface Conn {
  /** Topic from /pubsub?topic=, where this connection's data messages go. */
  topic: string | null;
  stream: StreamParams | null;
  /** Set by the close handler: a closed uWS.WebSocket must not be touched again. */
  closed: boolean;
  /** Next tick seq of a /stream connection. */
  seq: number;
  timer?: NodeJS.Timeout;
  /** A rate=0 pump is scheduled (setImmediate): drain must not start a second one. */
  pumpScheduled: boolean;
}
type WS = UWS.WebSocket<Conn>;
type Payload = ArrayBuffer | Uint8Array | string;
const { startedMs, stats, conns } = serverState<WS>();
/** POST /gc (WSARENA_GC_ENDPOINT=1): a full collection, or null when the endpoint is off. */
const fullGc = v8FullGc(limits.gcEndpoint);
/** Mirror of uWS's native subscriptions: gives the delivery count and the sockets to check for backpressure. */
const topics = new TopicRegistry<WS>({
  subscribe: (ws, topic) => ws.subscribe(topic),
  unsubscribe: (ws, topic) => {
    if (!ws.getUserData().closed) ws.unsubscribe(topic);
  }, // uWS frees a closed socket's subscriptions itself
});

// Hot path: send with the backpressure policy, pub/sub delivery, stream pacing
const byteLength = (data: Payload): number => (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength);

/** Sends one data message through the backpressure policy; returns false when it was not sent. */
function deliver(ws: WS, data: Payload, binary: boolean): boolean {
  if (ws.getUserData().closed) return false;
  if (ws.getBufferedAmount() > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") {
      stats.dropped++;
      return false;
    }
    if (limits.backpressure === "close") {
      stats.closedForBackpressure++;
      ws.end(CLOSE.policyViolation);
      return false;
    }
  }
  ws.send(data, binary, limits.compression);
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

/** Delivers to every subscriber of `topic` in this process, the sender included; returns how many were handed the message. */
function deliverLocal(topic: string, data: Payload, binary: boolean): number {
  const subs = topics.subscribers(topic);
  if (!subs) return 0;
  if (limits.backpressure === "buffer" || !anyOverBuffered(subs, limits.maxBufferedBytes)) {
    // Native fan-out: uWS queues it and writes each subscriber's batch corked. app.publish (not ws.publish) reaches the sender too.
    app.publish(topic, data, binary, limits.compression);
    stats.messagesOut += subs.size;
    stats.bytesOut += subs.size * byteLength(data);
    return subs.size;
  }
  // Departure: a subscriber is over WSARENA_MAX_BUFFERED, and app.publish cannot apply or count the policy per subscriber.
  // ws.send first flushes the subscriber's queued native messages, so per-subscriber order holds.
  return deliverEach(subs, (s) => deliver(s, data, binary));
}

// WSARENA_BROKER (cluster): the broker brings the other processes' publishes; joined before listening.
const bridge = await bridgeFromEnv(process.env, (topic, data, binary) => void deliverLocal(topic, data, binary));

/** Publishes to `topic`: local subscribers now, other processes through the broker; returns how many local subscribers took it. */
function publish(topic: string, data: Payload, binary: boolean): number {
  bridge?.publish(topic, data, binary);
  return deliverLocal(topic, data, binary);
}

function onControl(ws: WS, text: string): void {
  deliver(ws, topics.control(ws, text), false);
}

function tickOf(p: StreamParams, seq: number): Payload {
  const ts = Number(process.hrtime.bigint()); // Node's hrtime is CLOCK_MONOTONIC
  return p.format === "binary" ? encodeBinaryTick(seq, ts, p.size) : encodeJsonTick(seq, ts, p.size);
}

function startStream(ws: WS, p: StreamParams): void {
  if (p.rate === 0) return pump(ws);
  const conn = ws.getUserData();
  const startMs = paceNowMs();
  conn.timer = setInterval(() => {
    if (conn.closed) return;
    const due = ticksDue(paceNowMs() - startMs, p.rate, p.count);
    ws.cork(() => {
      while (conn.seq < due && !conn.closed) deliver(ws, tickOf(p, conn.seq++), p.format === "binary"); // a dropped tick still consumes its seq
      if (p.count > 0 && conn.seq >= p.count && !conn.closed) ws.end(CLOSE.normal);
    });
  }, paceIntervalMs(p.rate));
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

function behavior(path: WsEndpoint, message: (ws: WS, data: ArrayBuffer, isBinary: boolean) => void): UWS.WebSocketBehavior<Conn> {
  return {
    maxPayloadLength: limits.maxPayloadBytes,
    idleTimeout: idleTimeoutS,
    sendPingsAutomatically: false, // contract: close connections that send nothing, as the other stacks do (no server pings)
    maxBackpressure: 0, // contract: WSARENA_BACKPRESSURE is applied in publish()/deliver(); a native limit drops silently, 1008 close frame included
    compression: limits.compression ? uWS.SHARED_COMPRESSOR | uWS.SHARED_DECOMPRESSOR : uWS.DISABLED,
    upgrade: (res, req, context) => {
      if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) return fail(res, overConnectionLimit(limits.maxConnections));
      let stream: StreamParams | null = null;
      if (path === PATHS.stream) {
        try {
          stream = parseStreamParams(new URLSearchParams(req.getQuery()));
        } catch (e) {
          return fail(res, badRequest((e as Error).message));
        }
      }
      const topic = path === PATHS.pubsub ? req.getQuery("topic") || null : null;
      const conn: Conn = { topic, stream, closed: false, seq: 0, pumpScheduled: false };
      res.upgrade(conn, req.getHeader("sec-websocket-key"), req.getHeader("sec-websocket-protocol"), req.getHeader("sec-websocket-extensions"), context);
    },
    open: (ws) => {
      conns.add(ws);
      stats.connections++;
      stats.connectionsTotal++;
      const conn = ws.getUserData();
      if (conn.topic) topics.subscribe(ws, conn.topic);
      if (conn.stream) startStream(ws, conn.stream);
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
      conns.delete(ws);
      stats.connections--;
      topics.unsubscribeAll(ws);
    },
  };
}

const CONTROL_PREFIX_BYTES = Buffer.from(CONTROL_PREFIX);
const onPubsubMessage = (ws: WS, data: ArrayBuffer, isBinary: boolean): void => {
  const topic = ws.getUserData().topic;
  if (!isBinary && CONTROL_PREFIX_BYTES.equals(Buffer.from(data, 0, Math.min(data.byteLength, CONTROL_PREFIX_BYTES.length)))) {
    onControl(ws, Buffer.from(data).toString());
  } else if (topic) publish(topic, data, isBinary);
  else deliver(ws, NO_TOPIC_REPLY, false);
};

// HTTP endpoints, then the upgrade routing (404 / 503 / 400)
function json(res: UWS.HttpResponse, status: string, body: string): void {
  res.cork(() => res.writeStatus(status).writeHeader("Content-Type", JSON_CONTENT_TYPE).end(body));
}
const fail = (res: UWS.HttpResponse, e: ErrorReply): void => json(res, `${e.status} ${e.statusText}`, e.body);

const app = uWS
  .App()
  .ws<Conn>(
    PATHS.echo,
    behavior(PATHS.echo, (ws, data, isBinary) => {
      deliver(ws, data, isBinary);
    }),
  )
  .ws<Conn>(
    PATHS.stream,
    behavior(PATHS.stream, () => {}),
  )
  .ws<Conn>(PATHS.pubsub, behavior(PATHS.pubsub, onPubsubMessage))
  .get(PATHS.health, (res) => json(res, "200 OK", JSON.stringify({ ok: true, stack: STACK_ID })))
  .get(PATHS.stats, (res) => json(res, "200 OK", JSON.stringify(statsBody(stats, process.memoryUsage.rss(), startedMs))))
  .post(PATHS.gc, (res, req) => {
    if (!fullGc) return fail(res, notFound("POST", req.getUrl()));
    fullGc();
    json(res, "200 OK", gcBody(process.memoryUsage.rss()));
  })
  .post(`${PATHS.publish}*`, (res, req) => {
    const topic = publishTopic(req.getUrl());
    if (typeof topic === "object") return fail(res, topic);
    if (topic === undefined) return fail(res, notFound("POST", req.getUrl()));
    const text = isTextBody(req.getHeader("content-type"));
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    res.onData((chunk, isLast) => {
      if (aborted) return;
      size += chunk.byteLength;
      if (size > limits.maxPayloadBytes) {
        aborted = true;
        return fail(res, payloadTooLarge(limits.maxPayloadBytes));
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS neuters the chunk after the callback
      if (isLast) json(res, "200 OK", JSON.stringify({ ok: true, topic, delivered: publish(topic, Buffer.concat(chunks), !text) }));
    });
  })
  .any("/*", (res, req) => {
    // contract: an upgrade uWS would not route (no Sec-WebSocket-Key) to a WebSocket endpoint is a bad request, not 404
    if (wsEndpoint(req.getUrl()) && req.getHeader("upgrade").toLowerCase() === "websocket")
      return fail(res, badRequest("WebSocket upgrade without a valid Sec-WebSocket-Key"));
    return fail(res, notFound(req.getMethod().toUpperCase(), req.getUrl()));
  });

// Lifecycle: heartbeat, listen, ready line, SIGTERM → 1001 → exit 0 (the idle timeout is uWS's own idleTimeout above)
// Heartbeat by ws.ping() from one timer: sendPingsAutomatically is tied to idleTimeout, which the contract uses for silence.
startPings(limits.pingIntervalS, conns, (ws) => ws.ping());
let listenSocket: UWS.us_listen_socket | null = null;
function shutdown(): void {
  let backlogged = false;
  for (const ws of [...conns]) {
    backlogged ||= ws.getBufferedAmount() > 0;
    ws.end(CLOSE.goingAway, "server shutting down");
  }
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  listenSocket = null;
  // uWS writes an unbacklogged close frame at once but keeps the loop alive afterwards, so exit on a timer:
  // briefly when every close frame went out, after the grace period when some sat behind buffered data.
  setTimeout(() => process.exit(0), backlogged ? SHUTDOWN_GRACE_MS : SHUTDOWN_FLUSH_MS);
}
for (const signal of SHUTDOWN_SIGNALS) process.once(signal, shutdown);

app.listen(listen.host, listen.port, (socket) => {
  if (!socket) {
    console.error(`uws: cannot listen on ${listen.host}:${listen.port}; expected a free port (use PORT=0)`);
    process.exit(1);
  }
  listenSocket = socket;
  const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: uWS.us_socket_local_port(socket), pid: process.pid, version };
  process.stdout.write(readyLine(ready));
});
