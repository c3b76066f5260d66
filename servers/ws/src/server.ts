// Protocol v1 server on the `ws` library (bufferutil loaded by ws itself) behind node:http.
// One file: HTTP endpoints, upgrade routing, /echo, /stream, /pubsub, limits and graceful shutdown.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import {
  SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, CLOSE, CONTROL_PREFIX, PATHS, encodeBinaryTick, encodeJsonTick, limitsFromEnv, parseStreamParams,
  type ReadyLine, type ServerStats, type StreamParams,
} from "@wsarena/protocol";

const STACK_ID = "ws";

const limits = limitsFromEnv(process.env);
const version = (createRequire(import.meta.url)("ws/package.json") as { version: string }).version;
const startedMs = performance.now();
const stats = { connections: 0, connectionsTotal: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, closedForBackpressure: 0 };

type Payload = Buffer | Uint8Array | string;
interface Conn { ws: WebSocket; topics: Set<string>; idleSweeps: number }
const conns = new Set<Conn>();
const topics = new Map<string, Set<Conn>>();

const byteLength = (data: Payload): number => (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength);

/** Sends one data message through the backpressure policy; returns false when it was not sent. */
function deliver(conn: Conn, data: Payload, binary: boolean): boolean {
  const { ws } = conn;
  if (ws.readyState !== WebSocket.OPEN) return false;
  if (ws.bufferedAmount > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") { stats.dropped++; return false; }
    if (limits.backpressure === "close") { stats.closedForBackpressure++; ws.close(CLOSE.policyViolation); return false; }
  }
  ws.send(data, { binary });
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

function publish(topic: string, data: Payload, binary: boolean): number {
  let delivered = 0;
  for (const sub of topics.get(topic) ?? []) if (deliver(sub, data, binary)) delivered++;
  return delivered;
}

function subscribe(conn: Conn, topic: string): void {
  conn.topics.add(topic);
  let subs = topics.get(topic);
  if (!subs) topics.set(topic, (subs = new Set()));
  subs.add(conn);
}

function unsubscribe(conn: Conn, topic: string): void {
  conn.topics.delete(topic);
  const subs = topics.get(topic);
  if (subs?.delete(conn) && subs.size === 0) topics.delete(topic);
}

function reply(conn: Conn, body: object): void {
  deliver(conn, JSON.stringify(body), false);
}

function onControl(conn: Conn, text: string): void {
  let msg: { op?: unknown; topic?: unknown };
  try { msg = JSON.parse(text) as typeof msg; } catch { return reply(conn, { op: "error", reason: "control message is not valid JSON" }); }
  if ((msg.op === "sub" || msg.op === "unsub") && typeof msg.topic === "string" && msg.topic !== "") {
    if (msg.op === "sub") subscribe(conn, msg.topic); else unsubscribe(conn, msg.topic);
    return reply(conn, { op: msg.op === "sub" ? "subscribed" : "unsubscribed", topic: msg.topic });
  }
  reply(conn, { op: "error", reason: 'expected {"op":"sub"|"unsub","topic":"<non-empty string>"}' });
}

function startStream(conn: Conn, p: StreamParams): void {
  const { ws } = conn;
  const binary = p.format === "binary";
  let seq = 0;
  const tick = (): Payload => {
    const ts = Number(process.hrtime.bigint());
    return binary ? encodeBinaryTick(seq, ts, p.size) : encodeJsonTick(seq, ts, p.size);
  };
  const finished = (): boolean => p.count > 0 && seq >= p.count;

  if (p.rate === 0) {
    const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
    const pump = (): void => {
      for (let n = 0; n < STREAM_BATCH_TICKS; n++) {
        if (ws.readyState !== WebSocket.OPEN) return;
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

  const startNs = process.hrtime.bigint();
  const timer = setInterval(() => {
    // Catch up when the timer fired late: send every tick due by now, so the delivered rate equals `rate`.
    const due = Math.floor((Number(process.hrtime.bigint() - startNs) * p.rate) / 1e9) + 1;
    while (seq < due && !finished() && ws.readyState === WebSocket.OPEN) {
      deliver(conn, tick(), binary); // a dropped tick still consumes its seq
      seq++;
    }
    if (finished()) { clearInterval(timer); ws.close(CLOSE.normal); }
  }, Math.max(1, 1000 / p.rate));
  ws.once("close", () => clearInterval(timer));
}

const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, perMessageDeflate: limits.compression });

wss.on("connection", (ws: WebSocket, req: IncomingMessage, url: URL, streamParams?: StreamParams) => {
  const conn: Conn = { ws, topics: new Set(), idleSweeps: 0 };
  conns.add(conn);
  stats.connections++;
  stats.connectionsTotal++;
  ws.on("error", (err) => console.error(`${STACK_ID}: connection error: ${err.message}`)); // ws has already sent the close code
  ws.on("close", () => {
    conns.delete(conn);
    stats.connections--;
    for (const t of conn.topics) unsubscribe(conn, t);
  });
  ws.on("ping", () => { conn.idleSweeps = 0; });
  ws.on("pong", () => { conn.idleSweeps = 0; });

  const pubTopic = url.searchParams.get("topic") || null;
  const path = url.pathname;
  if (path === PATHS.pubsub && pubTopic) subscribe(conn, pubTopic);
  ws.on("message", (data: RawData, isBinary: boolean) => {
    const buf = data as Buffer; // binaryType "nodebuffer": always one Buffer
    conn.idleSweeps = 0;
    stats.messagesIn++;
    stats.bytesIn += buf.byteLength;
    if (path === PATHS.echo) deliver(conn, buf, isBinary);
    else if (path === PATHS.pubsub) {
      if (!isBinary && buf.toString("latin1", 0, CONTROL_PREFIX.length) === CONTROL_PREFIX) onControl(conn, buf.toString());
      else if (pubTopic) publish(pubTopic, buf, isBinary);
      else reply(conn, { op: "error", reason: "no topic: connect with /pubsub?topic=<t>" });
    }
  });
  if (streamParams) startStream(conn, streamParams);
});

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
}

function decodeTopic(raw: string): string | null {
  try { return decodeURIComponent(raw); } catch { return null; }
}

function json(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
}

function currentStats(): ServerStats {
  return { ...stats, rssBytes: process.memoryUsage.rss(), uptimeMs: Math.round(performance.now() - startedMs) };
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0]!;
  if (req.method === "GET" && path === PATHS.health) return json(res, 200, { ok: true, stack: STACK_ID });
  if (req.method === "GET" && path === PATHS.stats) return json(res, 200, currentStats());
  if (req.method === "POST" && path.startsWith(PATHS.publish) && path.length > PATHS.publish.length) {
    const topic = decodeTopic(path.slice(PATHS.publish.length));
    if (topic === null) return json(res, 400, { ok: false, reason: `topic ${path.slice(PATHS.publish.length)} is not valid percent-encoding` });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.byteLength;
      if (size <= limits.maxPayloadBytes) chunks.push(c);
      else if (!res.headersSent) json(res, 413, { ok: false, reason: `body over WSARENA_MAX_PAYLOAD (${limits.maxPayloadBytes} bytes)` });
    });
    req.on("end", () => {
      if (res.headersSent) return;
      const type = req.headers["content-type"] ?? "";
      const text = type.startsWith("text/") || type.startsWith("application/json");
      json(res, 200, { ok: true, topic, delivered: publish(topic, Buffer.concat(chunks), !text) });
    });
    return;
  }
  json(res, 404, { ok: false, reason: `no route for ${req.method} ${path}` });
});

server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  socket.on("error", () => socket.destroy());
  let url: URL;
  try { url = new URL(req.url ?? "/", "http://localhost"); } catch { return refuseUpgrade(socket, 400, "Bad Request"); }
  const path = url.pathname;
  if (path !== PATHS.echo && path !== PATHS.stream && path !== PATHS.pubsub) return refuseUpgrade(socket, 404, "Not Found");
  let streamParams: StreamParams | undefined;
  if (path === PATHS.stream) {
    try { streamParams = parseStreamParams(url.searchParams); } catch (e) { return refuseUpgrade(socket, 400, `Bad Request: ${(e as Error).message}`); }
  }
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) return refuseUpgrade(socket, 503, "Service Unavailable");
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req, url, streamParams));
});

if (limits.idleTimeoutS > 0) {
  // Contract: close connections idle for WSARENA_IDLE_TIMEOUT_S; one cheap sweep every quarter of the timeout.
  const sweepMs = (limits.idleTimeoutS * 1000) / 4;
  setInterval(() => {
    for (const conn of conns) if (++conn.idleSweeps > 4) conn.ws.close(CLOSE.goingAway, "idle timeout");
  }, sweepMs).unref();
}

function shutdown(): void {
  for (const conn of conns) conn.ws.close(CLOSE.goingAway, "server shutting down");
  server.close();
  const exit = (): never => process.exit(0);
  setTimeout(exit, SHUTDOWN_GRACE_MS).unref();
  const poll = setInterval(() => { if (conns.size === 0) { clearInterval(poll); exit(); } }, 10);
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

server.listen(Number(process.env.PORT ?? 0), process.env.HOST || "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const ready: ReadyLine = { event: "ready", stack: STACK_ID, port, pid: process.pid, version };
  process.stdout.write(JSON.stringify(ready) + "\n");
});
