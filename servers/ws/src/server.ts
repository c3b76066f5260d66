// Protocol v1 server on the `ws` library (bufferutil loaded by ws itself) behind node:http.
// Idiomatic ws: a noServer WebSocketServer fed from node:http's "upgrade" event, pub/sub by a topic map in JS.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import {
  CLOSE, CONTROL_PREFIX, JSON_CONTENT_TYPE, NO_TOPIC_REPLY, PATHS, SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, TopicRegistry,
  badRequest, controlReply, createStats, encodeBinaryTick, encodeJsonTick, isTextBody, limitsFromEnv, listenFromEnv, notFound, overConnectionLimit,
  paceIntervalMs, paceNowMs, parseControl, parseStreamParams, payloadTooLarge, publishTopic, rawHttpResponse, readyLine, startIdleSweep, statsBody, ticksDue, wsEndpoint,
  type ErrorReply, type ReadyLine, type StreamParams, type WsEndpoint,
} from "@wsarena/protocol";

// Configuration
const STACK_ID = "ws";
const limits = limitsFromEnv(process.env);
const listen = listenFromEnv(process.env);
const version = (createRequire(import.meta.url)("ws/package.json") as { version: string }).version;

// State
interface Conn { ws: WebSocket; idleSweeps: number }
type Payload = Buffer | Uint8Array | string;
const startedMs = paceNowMs();
const stats = createStats();
const topics = new TopicRegistry<Conn>();
const conns = new Set<Conn>();

// Hot path: send with the backpressure policy, pub/sub delivery, stream pacing
const byteLength = (data: Payload): number => (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength);

/** Sends one data message through the backpressure policy; returns false when it was not sent. */
function deliver(conn: Conn, data: Payload, binary: boolean): boolean {
  const { ws } = conn;
  if (ws.readyState !== ws.OPEN) return false;
  if (ws.bufferedAmount > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") { stats.dropped++; return false; }
    if (limits.backpressure === "close") { stats.closedForBackpressure++; ws.close(CLOSE.policyViolation); return false; }
  }
  ws.send(data, { binary });
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

/** Delivers to every subscriber of `topic`, the sender included; returns how many were handed the message. */
function publish(topic: string, data: Payload, binary: boolean): number {
  let delivered = 0;
  for (const sub of topics.subscribers(topic) ?? []) if (deliver(sub, data, binary)) delivered++;
  return delivered;
}

function onControl(conn: Conn, text: string): void {
  const c = parseControl(text);
  if (c.op === "sub") topics.subscribe(conn, c.topic);
  else if (c.op === "unsub") topics.unsubscribe(conn, c.topic);
  deliver(conn, controlReply(c), false);
}

function startStream(conn: Conn, p: StreamParams): void {
  const { ws } = conn;
  const binary = p.format === "binary";
  let seq = 0;
  const tick = (): Payload => {
    const ts = Number(process.hrtime.bigint()); // Node's hrtime is CLOCK_MONOTONIC
    return binary ? encodeBinaryTick(seq, ts, p.size) : encodeJsonTick(seq, ts, p.size);
  };
  const finished = (): boolean => p.count > 0 && seq >= p.count;

  if (p.rate === 0) {
    const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
    const pump = (): void => {
      for (let n = 0; n < STREAM_BATCH_TICKS; n++) {
        if (ws.readyState !== ws.OPEN) return;
        if (finished()) return ws.close(CLOSE.normal);
        const data = tick();
        seq++;
        stats.messagesOut++;
        stats.bytesOut += byteLength(data);
        if (ws.bufferedAmount + byteLength(data) >= watermark) {
          // Over the watermark: resume once this frame has been written out (ws has no public drain event).
          return ws.send(data, { binary }, (err) => { if (!err) pump(); });
        }
        ws.send(data, { binary });
      }
      setImmediate(pump); // contract: a fast reader must not starve the event loop (SIGTERM, other sockets)
    };
    return pump();
  }

  const startMs = paceNowMs();
  const timer = setInterval(() => {
    const due = ticksDue(paceNowMs() - startMs, p.rate, p.count);
    while (seq < due && ws.readyState === ws.OPEN) {
      deliver(conn, tick(), binary); // a dropped tick still consumes its seq
      seq++;
    }
    if (finished()) { clearInterval(timer); ws.close(CLOSE.normal); }
  }, paceIntervalMs(p.rate));
  ws.once("close", () => clearInterval(timer));
}

const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, perMessageDeflate: limits.compression });

wss.on("connection", (ws: WebSocket, path: WsEndpoint, url: URL, streamParams?: StreamParams) => {
  const conn: Conn = { ws, idleSweeps: 0 };
  conns.add(conn);
  stats.connections++;
  stats.connectionsTotal++;
  ws.on("error", (err) => console.error(`${STACK_ID}: connection error: ${err.message}`)); // ws has already sent the close code
  ws.on("close", () => {
    conns.delete(conn);
    stats.connections--;
    topics.unsubscribeAll(conn);
  });
  ws.on("ping", () => { conn.idleSweeps = 0; });
  ws.on("pong", () => { conn.idleSweeps = 0; });

  const pubTopic = url.searchParams.get("topic") || null;
  if (path === PATHS.pubsub && pubTopic) topics.subscribe(conn, pubTopic);
  ws.on("message", (data: RawData, isBinary: boolean) => {
    const buf = data as Buffer; // binaryType "nodebuffer": always one Buffer
    conn.idleSweeps = 0;
    stats.messagesIn++;
    stats.bytesIn += buf.byteLength;
    if (path === PATHS.echo) deliver(conn, buf, isBinary);
    else if (path === PATHS.pubsub) {
      if (!isBinary && buf.toString("latin1", 0, CONTROL_PREFIX.length) === CONTROL_PREFIX) onControl(conn, buf.toString());
      else if (pubTopic) publish(pubTopic, buf, isBinary);
      else deliver(conn, NO_TOPIC_REPLY, false);
    }
  });
  if (streamParams) startStream(conn, streamParams);
});

// HTTP endpoints, then the upgrade routing (404 / 503 / 400)
function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": JSON_CONTENT_TYPE, "Content-Length": Buffer.byteLength(body) }).end(body);
}
const fail = (res: ServerResponse, e: ErrorReply): void => json(res, e.status, e.body);

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0]!;
  if (req.method === "GET" && path === PATHS.health) return json(res, 200, JSON.stringify({ ok: true, stack: STACK_ID }));
  if (req.method === "GET" && path === PATHS.stats) return json(res, 200, JSON.stringify(statsBody(stats, process.memoryUsage.rss(), startedMs)));
  const topic = req.method === "POST" ? publishTopic(path) : undefined;
  if (typeof topic === "object") return fail(res, topic);
  if (topic === undefined) return fail(res, notFound(req.method ?? "?", path));
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (c: Buffer) => {
    size += c.byteLength;
    if (size <= limits.maxPayloadBytes) chunks.push(c);
    else if (!res.headersSent) fail(res, payloadTooLarge(limits.maxPayloadBytes));
  });
  req.on("end", () => {
    if (res.headersSent) return;
    const delivered = publish(topic, Buffer.concat(chunks), !isTextBody(req.headers["content-type"]));
    json(res, 200, JSON.stringify({ ok: true, topic, delivered }));
  });
});

const refuseUpgrade = (socket: Duplex, e: ErrorReply): void => void socket.end(rawHttpResponse(e));

server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  socket.on("error", () => socket.destroy());
  let url: URL;
  try { url = new URL(req.url ?? "/", "http://localhost"); } catch { return refuseUpgrade(socket, badRequest(`malformed request target ${req.url}`)); }
  const path = wsEndpoint(url.pathname);
  if (!path) return refuseUpgrade(socket, notFound("upgrade", url.pathname));
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) return refuseUpgrade(socket, overConnectionLimit(limits.maxConnections));
  let streamParams: StreamParams | undefined;
  if (path === PATHS.stream) {
    try { streamParams = parseStreamParams(url.searchParams); } catch (e) { return refuseUpgrade(socket, badRequest((e as Error).message)); }
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, path, url, streamParams));
});

// Lifecycle: idle sweep, listen, ready line, SIGTERM → 1001 → exit 0
startIdleSweep(limits.idleTimeoutS, conns, (conn) => conn.ws.close(CLOSE.goingAway, "idle timeout"));

function shutdown(): void {
  for (const conn of conns) conn.ws.close(CLOSE.goingAway, "server shutting down");
  server.close();
  const exit = (): never => process.exit(0);
  setTimeout(exit, SHUTDOWN_GRACE_MS).unref();
  const poll = setInterval(() => { if (conns.size === 0) { clearInterval(poll); exit(); } }, 10);
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

server.listen(listen.port, listen.host, () => {
  const address = server.address();
  const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: typeof address === "object" && address ? address.port : 0, pid: process.pid, version };
  process.stdout.write(readyLine(ready));
});
