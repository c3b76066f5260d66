// Protocol v1 server on fastify 5 + @fastify/websocket 11 (ws underneath, bufferutil installed).
// Idiomatic fastify: WebSocket routes are routes with `websocket: true`; onRequest hooks refuse upgrades (503, 400) before the handshake.
import { createRequire } from "node:module";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import type { RawData, WebSocket } from "ws";
import {
  CLOSE, CONTROL_PREFIX, JSON_CONTENT_TYPE, NO_TOPIC_REPLY, PATHS, SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, TopicRegistry,
  badRequest, controlReply, createStats, encodeBinaryTick, encodeJsonTick, isTextBody, limitsFromEnv, listenFromEnv, notFound, overConnectionLimit,
  paceIntervalMs, paceNowMs, parseControl, parseStreamParams, payloadTooLarge, readyLine, startIdleSweep, statsBody, ticksDue,
  type ErrorReply, type ReadyLine, type ServerStats, type StreamParams,
} from "@wsarena/protocol";

// Configuration
const STACK_ID = "fastify-websocket";
const limits = limitsFromEnv(process.env);
const listen = listenFromEnv(process.env);
const version = (createRequire(import.meta.url)("fastify/package.json") as { version: string }).version;

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

/** Registers a WebSocket connection: counters, idle tracking, message accounting; returns its state. */
function track(ws: WebSocket, onMessage: (conn: Conn, data: Buffer, isBinary: boolean) => void): Conn {
  const conn: Conn = { ws, idleSweeps: 0 };
  conns.add(conn);
  stats.connections++;
  stats.connectionsTotal++;
  ws.on("close", () => {
    conns.delete(conn);
    stats.connections--;
    topics.unsubscribeAll(conn);
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

const streamQuery = (req: FastifyRequest): URLSearchParams => new URLSearchParams(req.url.split("?")[1] ?? "");

app.get(PATHS.echo, { websocket: true, onRequest: refuseOverLimit }, (ws) => {
  track(ws, (conn, data, isBinary) => { deliver(conn, data, isBinary); });
});

app.get(PATHS.stream, {
  websocket: true,
  onRequest: async (req, res) => {
    await refuseOverLimit(req, res);
    if (res.sent) return;
    try { parseStreamParams(streamQuery(req)); } catch (e) { return fail(res, badRequest((e as Error).message)); }
  },
}, (ws, req) => {
  startStream(track(ws, () => {}), parseStreamParams(streamQuery(req)));
});

app.get(PATHS.pubsub, { websocket: true, onRequest: refuseOverLimit }, (ws, req) => {
  const pubTopic = streamQuery(req).get("topic") || null;
  const conn = track(ws, (conn, data, isBinary) => {
    if (!isBinary && data.toString("latin1", 0, CONTROL_PREFIX.length) === CONTROL_PREFIX) onControl(conn, data.toString());
    else if (pubTopic) publish(pubTopic, data, isBinary);
    else deliver(conn, NO_TOPIC_REPLY, false);
  });
  if (pubTopic) topics.subscribe(conn, pubTopic);
});

// HTTP endpoints, then the upgrade routing (404 / 503 / 400)
const fail = (res: FastifyReply, e: ErrorReply): FastifyReply => res.code(e.status).type(JSON_CONTENT_TYPE).send(e.body);

async function refuseOverLimit(_req: FastifyRequest, res: FastifyReply): Promise<void> {
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) fail(res, overConnectionLimit(limits.maxConnections));
}

// Every body is raw bytes: POST /publish forwards it verbatim, choosing the frame type from Content-Type.
app.removeAllContentTypeParsers();
app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

app.get(PATHS.health, async () => ({ ok: true, stack: STACK_ID }));
app.get(PATHS.stats, async (): Promise<ServerStats> => statsBody(stats, process.memoryUsage.rss(), startedMs));
app.post<{ Params: { "*": string }; Body: Buffer | undefined }>(`${PATHS.publish}*`, async (req, res) => {
  const topic = req.params["*"]; // fastify has percent-decoded it (a malformed one is its 400)
  if (!topic) return fail(res, notFound(req.method, req.url));
  return { ok: true, topic, delivered: publish(topic, req.body ?? Buffer.alloc(0), !isTextBody(req.headers["content-type"])) };
});
// contract: the same JSON error bodies as every stack, for fastify's own 404, 400 (bad URL) and 413 (bodyLimit)
app.setNotFoundHandler((req, res) => fail(res, notFound(req.method, req.url.split("?")[0]!)));
app.setErrorHandler((error: { statusCode?: number; message: string }, _req, res) => {
  if (error.statusCode === 413) return fail(res, payloadTooLarge(limits.maxPayloadBytes));
  if (error.statusCode === 400) return fail(res, badRequest(error.message));
  return res.send(error);
});

// Lifecycle: idle sweep, listen, ready line, SIGTERM → 1001 → exit 0
startIdleSweep(limits.idleTimeoutS, conns, (conn) => conn.ws.close(CLOSE.goingAway, "idle timeout"));

async function shutdown(): Promise<void> {
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  await app.close();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());

await app.listen(listen);
const address = app.server.address();
const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: typeof address === "object" && address ? address.port : 0, pid: process.pid, version };
process.stdout.write(readyLine(ready));
