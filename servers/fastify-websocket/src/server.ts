// Protocol v1 server on fastify 5 + @fastify/websocket 11 (ws underneath, bufferutil installed).
// WebSocket routes are fastify routes with `websocket: true`; hooks refuse upgrades (400, 503) before the handshake.
import { createRequire } from "node:module";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import type { RawData, WebSocket } from "ws";
import {
  CLOSE, SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, CONTROL_PREFIX, PATHS, encodeBinaryTick, encodeJsonTick, limitsFromEnv, parseStreamParams,
  type ReadyLine, type ServerStats, type StreamParams,
} from "@wsarena/protocol";

const STACK_ID = "fastify-websocket";

const limits = limitsFromEnv(process.env);
const version = (createRequire(import.meta.url)("fastify/package.json") as { version: string }).version;
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

const reply = (conn: Conn, body: object): boolean => deliver(conn, JSON.stringify(body), false);

function onControl(conn: Conn, text: string): void {
  let msg: { op?: unknown; topic?: unknown };
  try { msg = JSON.parse(text) as typeof msg; } catch { reply(conn, { op: "error", reason: "control message is not valid JSON" }); return; }
  if ((msg.op === "sub" || msg.op === "unsub") && typeof msg.topic === "string" && msg.topic !== "") {
    if (msg.op === "sub") subscribe(conn, msg.topic); else unsubscribe(conn, msg.topic);
    reply(conn, { op: msg.op === "sub" ? "subscribed" : "unsubscribed", topic: msg.topic });
    return;
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

  const startNs = process.hrtime.bigint();
  const timer = setInterval(() => {
    // Catch up when the timer fired late: send every tick due by now, so the delivered rate equals `rate`.
    const due = Math.floor((Number(process.hrtime.bigint() - startNs) * p.rate) / 1e9) + 1;
    while (seq < due && !finished() && ws.readyState === ws.OPEN) {
      deliver(conn, tick(), binary); // a dropped tick still consumes its seq
      seq++;
    }
    if (finished()) { clearInterval(timer); ws.close(CLOSE.normal); }
  }, Math.max(1, 1000 / p.rate));
  ws.once("close", () => clearInterval(timer));
}

/** Registers a WebSocket connection: counters, idle tracking, message accounting; returns its state. */
function track(ws: WebSocket, onMessage: (conn: Conn, data: Buffer, isBinary: boolean) => void): Conn {
  const conn: Conn = { ws, topics: new Set(), idleSweeps: 0 };
  conns.add(conn);
  stats.connections++;
  stats.connectionsTotal++;
  ws.on("close", () => {
    conns.delete(conn);
    stats.connections--;
    for (const t of conn.topics) unsubscribe(conn, t);
  });
  ws.on("ping", () => { conn.idleSweeps = 0; });
  ws.on("pong", () => { conn.idleSweeps = 0; });
  ws.on("message", (data: RawData, isBinary: boolean) => {
    const buf = data as Buffer; // binaryType "nodebuffer": always one Buffer
    conn.idleSweeps = 0;
    stats.messagesIn++;
    stats.bytesIn += buf.byteLength;
    onMessage(conn, buf, isBinary);
  });
  return conn;
}

const app = Fastify({ logger: { level: "warn", stream: process.stderr }, bodyLimit: limits.maxPayloadBytes });
await app.register(websocket, {
  options: { maxPayload: limits.maxPayloadBytes, perMessageDeflate: limits.compression },
  // ws has already sent the close code (1002, 1007, 1009) when it reports a protocol error; keep it instead of terminate().
  errorHandler: (error) => app.log.warn(`connection error: ${error.message}`),
  // contract: shutdown closes with 1001 (the plugin's default preClose sends no code)
  preClose: (done) => { for (const c of conns) c.ws.close(CLOSE.goingAway, "server shutting down"); done(); },
});

// Every body is raw bytes: POST /publish forwards it verbatim, choosing the frame type from Content-Type.
app.removeAllContentTypeParsers();
app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

const refuseOverLimit = async (req: FastifyRequest, res: FastifyReply): Promise<void> => {
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) return res.code(503).send({ ok: false, reason: "too many connections" });
};

app.get(PATHS.echo, { websocket: true, onRequest: refuseOverLimit }, (ws) => {
  track(ws, (conn, data, isBinary) => { deliver(conn, data, isBinary); });
});

app.get(PATHS.stream, {
  websocket: true,
  onRequest: async (req, res) => {
    try { parseStreamParams(new URLSearchParams(req.url.split("?")[1] ?? "")); } catch (e) { return res.code(400).send({ ok: false, reason: (e as Error).message }); }
    return refuseOverLimit(req, res);
  },
}, (ws, req) => {
  startStream(track(ws, () => {}), parseStreamParams(new URLSearchParams(req.url.split("?")[1] ?? "")));
});

app.get(PATHS.pubsub, { websocket: true, onRequest: refuseOverLimit }, (ws, req) => {
  const pubTopic = new URLSearchParams(req.url.split("?")[1] ?? "").get("topic") || null;
  const conn = track(ws, (conn, data, isBinary) => {
    if (!isBinary && data.toString("latin1", 0, CONTROL_PREFIX.length) === CONTROL_PREFIX) onControl(conn, data.toString());
    else if (pubTopic) publish(pubTopic, data, isBinary);
    else reply(conn, { op: "error", reason: "no topic: connect with /pubsub?topic=<t>" });
  });
  if (pubTopic) subscribe(conn, pubTopic);
});

app.get(PATHS.health, async () => ({ ok: true, stack: STACK_ID }));
app.get(PATHS.stats, async (): Promise<ServerStats> => ({ ...stats, rssBytes: process.memoryUsage.rss(), uptimeMs: Math.round(performance.now() - startedMs) }));
app.post<{ Params: { "*": string }; Body: Buffer | undefined }>(`${PATHS.publish}*`, async (req, res) => {
  const topic = req.params["*"];
  if (!topic) return res.code(404).send({ ok: false, reason: "POST /publish/<topic> needs a topic" });
  const type = req.headers["content-type"] ?? "";
  const text = type.startsWith("text/") || type.startsWith("application/json");
  return { ok: true, topic, delivered: publish(topic, req.body ?? Buffer.alloc(0), !text) };
});

if (limits.idleTimeoutS > 0) {
  // Contract: close connections idle for WSARENA_IDLE_TIMEOUT_S; one cheap sweep every quarter of the timeout.
  setInterval(() => {
    for (const conn of conns) if (++conn.idleSweeps > 4) conn.ws.close(CLOSE.goingAway, "idle timeout");
  }, (limits.idleTimeoutS * 1000) / 4).unref();
}

async function shutdown(): Promise<void> {
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  await app.close();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());

await app.listen({ host: process.env.HOST || "127.0.0.1", port: Number(process.env.PORT ?? 0) });
const address = app.server.address();
const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: typeof address === "object" && address ? address.port : 0, pid: process.pid, version };
process.stdout.write(JSON.stringify(ready) + "\n");
