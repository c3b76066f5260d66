// Protocol v1 server on socket.io 4 over node:http, WebSocket transport only, default parser.
// Event mapping and limits: harness/protocol/README.md ("socket.io" section).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { Server, type Socket } from "socket.io";
import {
  SHUTDOWN_GRACE_MS, STREAM_BATCH_TICKS, STREAM_WATERMARK_BYTES, PATHS, SIO_EVENTS, encodeBinaryTick, encodeJsonTick, limitsFromEnv, parseStreamParams,
  type ServerStats, type StreamParams,
} from "@wsarena/protocol";

/** Stack id (folder name). */
export const STACK = "socket-io";
/** socket.io's default path; only upgrades under it are handed to engine.io. */
export const SIO_PATH = "/socket.io/";
/** How often idle connections are looked for, at most (a quarter of the idle timeout when shorter). */
export const IDLE_SWEEP_MS = 1000;

const VERSION = (createRequire(import.meta.url)("socket.io/package.json") as { version: string }).version;
const limits = limitsFromEnv(process.env);
const startedMs = Date.now();
const stats = { connectionsTotal: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, closedForBackpressure: 0 };

/** Per-connection state kept in socket.data. */
interface Conn {
  lastInMs: number;
  /** Bytes of packets queued in engine.io's writeBuffer, not yet handed to the WebSocket. */
  queuedBytes: number;
  done: boolean;
  timer?: NodeJS.Timeout;
}
type Sock = Socket<Record<string, (...args: any[]) => void>, Record<string, (...args: any[]) => void>, Record<string, never>, Conn>;

const argBytes = (a: unknown): number =>
  typeof a === "string" ? Buffer.byteLength(a) : a instanceof Uint8Array ? a.byteLength : Buffer.byteLength(JSON.stringify(a) ?? "");

// socket.io has no buffered-amount API. Best measure available: bytes the WebSocket under engine.io still holds (ws
// bufferedAmount: node socket buffer + ws sender queue) plus packets waiting in engine.io's writeBuffer while the
// transport is busy (tracked from engine.io's packetCreate/flush events, so reading it is O(1)).
function bufferedBytes(s: Sock): number {
  const ws = (s.conn.transport as unknown as { socket?: { bufferedAmount?: number } }).socket;
  return (ws?.bufferedAmount ?? 0) + s.data.queuedBytes;
}

/** Emits one data event through the backpressure policy; false when it was not sent. */
function send(s: Sock, event: string, payload: unknown): boolean {
  if (s.data.done) return false;
  if (limits.backpressure !== "buffer" && bufferedBytes(s) > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") {
      stats.dropped++;
      return false;
    }
    stats.closedForBackpressure++;
    end(s); // socket.io has no close codes of its own: the client sees "io server disconnect"
    return false;
  }
  s.emit(event, payload);
  stats.messagesOut++;
  stats.bytesOut += argBytes(payload);
  return true;
}

function end(s: Sock): void {
  if (s.data.done) return;
  s.data.done = true;
  clearInterval(s.data.timer);
  s.disconnect(true);
}

/** Delivers to every member of room `topic`; returns how many were handed the message. */
function publish(topic: string, payload: string | Buffer): number {
  const members = [...(io.sockets.adapter.rooms.get(topic) ?? [])].map((id) => io.sockets.sockets.get(id) as Sock | undefined);
  const subs = members.filter((s): s is Sock => s !== undefined && !s.data.done);
  if (limits.backpressure === "buffer" || subs.every((s) => bufferedBytes(s) <= limits.maxBufferedBytes)) {
    io.to(topic).emit(SIO_EVENTS.msg, payload); // idiomatic broadcast: encoded once, nobody is over the limit
    stats.messagesOut += subs.length;
    stats.bytesOut += subs.length * argBytes(payload);
    return subs.length;
  }
  // Departure: a member is over WSARENA_MAX_BUFFERED, and a room broadcast cannot apply or count a per-socket policy.
  let delivered = 0;
  for (const s of subs) if (send(s, SIO_EVENTS.msg, payload)) delivered++;
  return delivered;
}

function encodeTick(p: StreamParams, seq: number): string | Buffer {
  const ts = Number(process.hrtime.bigint()); // Node's hrtime is CLOCK_MONOTONIC
  if (p.format === "json") return encodeJsonTick(seq, ts, p.size);
  const b = encodeBinaryTick(seq, ts, p.size);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function startStream(s: Sock, p: StreamParams): void {
  let seq = 0;
  const finish = () => {
    send(s, SIO_EVENTS.end, { count: p.count });
    end(s); // engine.io flushes queued packets before it closes
  };
  if (p.rate === 0) {
    const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
    let scheduled = false; // one pump at a time: drain events and batch continuations must not start parallel loops
    const schedule = (): void => {
      if (!scheduled) (scheduled = true), setImmediate(pump);
    };
    const pump = (): void => {
      scheduled = false;
      for (let n = 0; !s.data.done && (p.count === 0 || seq < p.count) && bufferedBytes(s) <= watermark; n++) {
        if (n === STREAM_BATCH_TICKS) return schedule();
        const tick = encodeTick(p, seq++);
        s.emit(SIO_EVENTS.tick, tick);
        stats.messagesOut++;
        stats.bytesOut += argBytes(tick);
      }
      if (p.count > 0 && seq >= p.count && !s.data.done) finish();
    };
    // The WebSocket transport emits "drain" once everything handed to it was written; then the buffer is low again.
    s.conn.transport.on("drain", schedule);
    return pump();
  }
  const t0 = performance.now();
  const tick = () => {
    // Catch up when the timer fired late: ticks due by now = elapsed * rate (+1 for the tick sent at t0).
    const due = Math.floor(((performance.now() - t0) * p.rate) / 1000) + 1;
    const target = p.count > 0 ? Math.min(due, p.count) : due;
    while (seq < target && !s.data.done) send(s, SIO_EVENTS.tick, encodeTick(p, seq++));
    if (p.count > 0 && seq >= p.count && !s.data.done) finish();
  };
  s.data.timer = setInterval(tick, Math.max(1, 1000 / p.rate));
  tick();
}

function onConnection(s: Sock): void {
  stats.connectionsTotal++;
  s.data = { lastInMs: performance.now(), queuedBytes: 0, done: false };
  s.conn.on("packetCreate", (packet: { data?: string | Buffer }) => (s.data.queuedBytes += packet.data?.length ?? 0));
  s.conn.on("flush", () => (s.data.queuedBytes = 0));
  const topic = s.handshake.query.topic;
  if (typeof topic === "string" && topic !== "") void s.join(topic);
  const error = (reason: string) => send(s, SIO_EVENTS.error, reason);
  const isTopic = (t: unknown): t is string => typeof t === "string" && t !== "";

  s.onAny((_event: string, ...args: unknown[]) => {
    s.data.lastInMs = performance.now();
    stats.messagesIn++;
    for (const a of args) stats.bytesIn += argBytes(a);
  });
  s.on(SIO_EVENTS.echo, (payload: unknown) => send(s, SIO_EVENTS.echo, payload));
  s.on(SIO_EVENTS.stream, (opts: unknown) => {
    let p: StreamParams;
    try {
      const o = (typeof opts === "object" && opts !== null ? opts : {}) as Record<string, unknown>;
      p = parseStreamParams(new URLSearchParams(Object.entries(o).map(([k, v]): [string, string] => [k, String(v)])));
    } catch (e) {
      return error(`invalid stream parameters: ${(e as Error).message}`);
    }
    if (s.data.timer) return error("a stream is already running on this connection");
    startStream(s, p);
  });
  s.on(SIO_EVENTS.sub, (t: unknown) => {
    if (!isTopic(t)) return error("sub expects one argument: a non-empty topic string");
    void s.join(t);
    send(s, SIO_EVENTS.subscribed, t);
  });
  s.on(SIO_EVENTS.unsub, (t: unknown) => {
    if (!isTopic(t)) return error("unsub expects one argument: a non-empty topic string");
    void s.leave(t);
    send(s, SIO_EVENTS.unsubscribed, t);
  });
  s.on(SIO_EVENTS.pub, (t: unknown, payload: unknown) => {
    if (!isTopic(t) || (typeof payload !== "string" && !Buffer.isBuffer(payload))) {
      return error("pub expects two arguments: a topic string and a string or binary payload");
    }
    publish(t, payload);
  });
  const known = new Set<string>([SIO_EVENTS.echo, SIO_EVENTS.stream, SIO_EVENTS.sub, SIO_EVENTS.unsub, SIO_EVENTS.pub]);
  s.onAny((event: string) => {
    if (!known.has(event)) error(`unknown event "${event}": expected echo, stream, sub, unsub or pub`);
  });
  s.on("disconnect", () => {
    s.data.done = true;
    clearInterval(s.data.timer);
  });
}

/** Topic of POST /publish/<topic>, percent-decoded; null when the encoding is malformed. */
function decodeTopic(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Plain HTTP endpoints; engine.io hands over every request outside /socket.io/. */
function onRequest(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0]!;
  if (path === PATHS.health) return json(res, 200, { ok: true, stack: STACK });
  if (path === PATHS.stats) {
    const body: ServerStats = { connections: io.engine.clientsCount, ...stats, rssBytes: process.memoryUsage.rss(), uptimeMs: Date.now() - startedMs };
    return json(res, 200, body);
  }
  if (req.method === "POST" && path.startsWith(PATHS.publish) && path.length > PATHS.publish.length) {
    const topic = decodeTopic(path.slice(PATHS.publish.length));
    if (topic === null) return void res.writeHead(400, { "content-type": "text/plain" }).end("topic is not valid percent-encoding\n");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const type = req.headers["content-type"] ?? "";
      const body = Buffer.concat(chunks);
      const payload = type.startsWith("text/") || type.startsWith("application/json") ? body.toString("utf8") : body;
      json(res, 200, { ok: true, topic, delivered: publish(topic, payload) });
    });
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
}

const httpServer = createServer(onRequest);
const io = new Server(httpServer, {
  transports: ["websocket"],
  serveClient: false,
  maxHttpBufferSize: limits.maxPayloadBytes,
  perMessageDeflate: limits.compression,
});
// Departure: engine.io's upgrade listener cannot answer 404 (unknown path) or 503 (WSARENA_MAX_CONNECTIONS); this one
// does, then hands the upgrade to engine.io exactly as its own listener would.
httpServer.removeAllListeners("upgrade");
httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  if (!(req.url ?? "").startsWith(SIO_PATH)) return refuseUpgrade(socket, 404, "Not Found");
  if (limits.maxConnections > 0 && io.engine.clientsCount >= limits.maxConnections) return refuseUpgrade(socket, 503, "Service Unavailable");
  io.engine.handleUpgrade(req, socket, head);
});
io.on("connection", onConnection);

// Contract: idle = no data event from the client (engine.io's own ping/pong is answered by every live client).
if (limits.idleTimeoutS > 0) {
  const idleMs = limits.idleTimeoutS * 1000;
  setInterval(() => {
    const now = performance.now();
    for (const s of io.sockets.sockets.values()) if (now - (s as Sock).data.lastInMs > idleMs) end(s as Sock);
  }, Math.min(IDLE_SWEEP_MS, idleMs / 4)).unref();
}

function shutdown(): void {
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  void io.close(() => process.exit(0)); // disconnects every client, then closes the HTTP server
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

httpServer.listen(Number(process.env.PORT || 0), process.env.HOST || "127.0.0.1", () => {
  const { port } = httpServer.address() as { port: number };
  process.stdout.write(JSON.stringify({ event: "ready", stack: STACK, port, pid: process.pid, version: VERSION }) + "\n");
});
