// Protocol v1 server on socket.io 4 over node:http, WebSocket transport only, default parser.
// Idiomatic socket.io: events instead of messages, rooms for pub/sub, io.to(room).emit for fan-out (see harness/protocol/README.md).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { Server, type Socket } from "socket.io";
import {
  CLOSE,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_SIGNALS,
  SIO_EVENTS,
  STREAM_BATCH_TICKS,
  STREAM_WATERMARK_BYTES,
  limitsFromEnv,
  listenFromEnv,
  serverState,
  startIdleSweep,
  portOf,
  readyLine,
  type ReadyLine,
  encodeBinaryTick,
  encodeJsonTick,
  paceIntervalMs,
  paceNowMs,
  ticksDue,
  type StreamParams,
  notFound,
  overConnectionLimit,
  parseStreamParams,
  rawHttpResponse,
  statsBody,
  type ErrorReply,
  serveNodeHttp,
  type NodeHttpRoutes,
} from "@wsarena/protocol";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { v8FullGc } from "@wsarena/protocol/gc";
import { BROKER_ENV, brokerSchemeOf } from "@wsarena/protocol/broker";

// Configuration
const STACK_ID = "socket-io";
/** socket.io's default path; only upgrades under it are handed to engine.io. */
export const SIO_PATH = "/socket.io/";
const limits = limitsFromEnv(process.env);
const listen = listenFromEnv(process.env);
const version = (createRequire(import.meta.url)("socket.io/package.json") as { version: string }).version;

// State
/** Per-connection state kept in socket.data. */
interface Conn {
  socket: Sock;
  idleSweeps: number;
  /** Bytes of packets queued in engine.io's writeBuffer, not yet handed to the WebSocket. */
  queuedBytes: number;
  /** Set once the server closed or the client left: nothing more is sent. */
  done: boolean;
  timer?: NodeJS.Timeout;
}
// Events carry arbitrary payloads: socket.io types an event map by listener signatures, so each takes `unknown` arguments.
type Sock = Socket<Record<string, (...args: unknown[]) => void>, Record<string, (...args: unknown[]) => void>, Record<string, never>, Conn>;
type Payload = string | Buffer;
// Pub/sub topics are socket.io rooms (io.sockets.adapter.rooms): socket.io keeps that registry itself.
const { startedMs, stats, conns } = serverState<Conn>();
/** POST /gc (WSARENA_GC_ENDPOINT=1): a full collection, or null when the endpoint is off. */
const fullGc = v8FullGc(limits.gcEndpoint);

// Hot path: send with the backpressure policy, pub/sub delivery, stream pacing
const argBytes = (a: unknown): number =>
  typeof a === "string" ? Buffer.byteLength(a) : a instanceof Uint8Array ? a.byteLength : Buffer.byteLength(JSON.stringify(a) ?? "");

// socket.io has no buffered-amount API. Best measure available: bytes the WebSocket under engine.io still holds (ws
// bufferedAmount: node socket buffer + ws sender queue) plus packets waiting in engine.io's writeBuffer while the
// transport is busy (tracked from engine.io's packetCreate/flush events, so reading it is O(1)).
function bufferedBytes(s: Sock): number {
  const ws = (s.conn.transport as unknown as { socket?: { bufferedAmount?: number } }).socket;
  return (ws?.bufferedAmount ?? 0) + s.data.queuedBytes;
}

/** Emits one data event through the backpressure policy; returns false when it was not sent. */
function deliver(s: Sock, event: string, payload: unknown): boolean {
  if (s.data.done) return false;
  if (limits.backpressure !== "buffer" && bufferedBytes(s) > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") {
      stats.dropped++;
      return false;
    }
    stats.closedForBackpressure++;
    end(s);
    return false; // socket.io has no close codes of its own: the client sees "io server disconnect"
  }
  s.emit(event, payload);
  stats.messagesOut++;
  stats.bytesOut += argBytes(payload);
  return true;
}

/** Disconnects from the server side once: stops the stream. */
function end(s: Sock): void {
  if (s.data.done) return;
  s.data.done = true;
  clearInterval(s.data.timer);
  s.disconnect(true);
}

/** Delivers to every member of room `topic`, the sender included; returns how many were handed the message. */
function publish(topic: string, payload: Payload): number {
  const members = [...(io.sockets.adapter.rooms.get(topic) ?? [])].map((id) => io.sockets.sockets.get(id) as Sock | undefined);
  const subs = members.filter((s): s is Sock => s !== undefined && !s.data.done);
  if (limits.backpressure === "buffer" || subs.every((s) => bufferedBytes(s) <= limits.maxBufferedBytes)) {
    io.to(topic).emit(SIO_EVENTS.msg, payload); // idiomatic broadcast: encoded once, nobody is over the limit
    stats.messagesOut += subs.length;
    stats.bytesOut += subs.length * argBytes(payload);
    return subs.length;
  }
  // Departure: a member is over WSARENA_MAX_BUFFERED, and a room broadcast cannot apply or count the policy per socket.
  let delivered = 0;
  for (const s of subs) if (deliver(s, SIO_EVENTS.msg, payload)) delivered++;
  if (clustered)
    io.to(topic)
      .except(subs.map((s) => s.id))
      .emit(SIO_EVENTS.msg, payload); // the other processes' members
  return delivered;
}

const isTopic = (t: unknown): t is string => typeof t === "string" && t !== "";

/** sub / unsub events: join or leave the room, answer subscribed / unsubscribed (socket.io's form of the control messages). */
function onControl(s: Sock, op: "sub" | "unsub", topic: unknown): void {
  if (!isTopic(topic)) return void deliver(s, SIO_EVENTS.error, `${op} expects one argument: a non-empty topic string`);
  if (op === "sub") void s.join(topic);
  else void s.leave(topic);
  deliver(s, op === "sub" ? SIO_EVENTS.subscribed : SIO_EVENTS.unsubscribed, topic);
}

function tickOf(p: StreamParams, seq: number): Payload {
  const ts = Number(process.hrtime.bigint()); // Node's hrtime is CLOCK_MONOTONIC
  if (p.format === "json") return encodeJsonTick(seq, ts, p.size);
  const b = encodeBinaryTick(seq, ts, p.size);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function startStream(s: Sock, p: StreamParams): void {
  let seq = 0;
  const finish = (): void => {
    deliver(s, SIO_EVENTS.end, { count: p.count });
    end(s); // engine.io flushes queued packets before it closes
  };
  if (p.rate === 0) {
    const watermark = Math.min(STREAM_WATERMARK_BYTES, limits.maxBufferedBytes);
    let scheduled = false; // one pump at a time: drain events and batch continuations must not start parallel loops
    const schedule = (): void => {
      if (!scheduled) (scheduled = true), setImmediate(pump); // contract: a fast reader must not starve the event loop
    };
    const pump = (): void => {
      scheduled = false;
      for (let n = 0; !s.data.done && (p.count === 0 || seq < p.count) && bufferedBytes(s) <= watermark; n++) {
        if (n === STREAM_BATCH_TICKS) return schedule();
        const tick = tickOf(p, seq++);
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
  const startMs = paceNowMs();
  const tick = (): void => {
    const due = ticksDue(paceNowMs() - startMs, p.rate, p.count);
    while (seq < due && !s.data.done) deliver(s, SIO_EVENTS.tick, tickOf(p, seq++)); // a dropped tick still consumes its seq
    if (p.count > 0 && seq >= p.count && !s.data.done) finish();
  };
  s.data.timer = setInterval(tick, paceIntervalMs(p.rate));
  tick();
}

const KNOWN_EVENTS = new Set<string>([SIO_EVENTS.echo, SIO_EVENTS.stream, SIO_EVENTS.sub, SIO_EVENTS.unsub, SIO_EVENTS.pub]);

function onConnection(s: Sock): void {
  const conn: Conn = { socket: s, idleSweeps: 0, queuedBytes: 0, done: false };
  s.data = conn;
  conns.add(conn);
  stats.connectionsTotal++;
  s.conn.on("packetCreate", (packet: { data?: string | Buffer }) => (conn.queuedBytes += packet.data?.length ?? 0));
  s.conn.on("flush", () => (conn.queuedBytes = 0));
  const topic = s.handshake.query.topic;
  if (isTopic(topic)) void s.join(topic);
  const error = (reason: string): boolean => deliver(s, SIO_EVENTS.error, reason);

  s.onAny((event: string, ...args: unknown[]) => {
    conn.idleSweeps = 0;
    stats.messagesIn++;
    for (const a of args) stats.bytesIn += argBytes(a);
    if (!KNOWN_EVENTS.has(event)) error(`unknown event "${event}": expected echo, stream, sub, unsub or pub`);
  });
  s.on(SIO_EVENTS.echo, (payload: unknown) => deliver(s, SIO_EVENTS.echo, payload));
  s.on(SIO_EVENTS.stream, (opts: unknown) => {
    let p: StreamParams;
    try {
      const o = (typeof opts === "object" && opts !== null ? opts : {}) as Record<string, unknown>;
      p = parseStreamParams(new URLSearchParams(Object.entries(o).map(([k, v]): [string, string] => [k, String(v)])));
    } catch (e) {
      return error(`invalid stream parameters: ${(e as Error).message}`);
    }
    if (conn.timer) return error("a stream is already running on this connection");
    startStream(s, p);
  });
  s.on(SIO_EVENTS.sub, (t: unknown) => onControl(s, "sub", t));
  s.on(SIO_EVENTS.unsub, (t: unknown) => onControl(s, "unsub", t));
  s.on(SIO_EVENTS.pub, (t: unknown, payload: unknown) => {
    if (!isTopic(t) || (typeof payload !== "string" && !Buffer.isBuffer(payload))) {
      return error("pub expects two arguments: a topic string and a string or binary payload");
    }
    publish(t, payload);
  });
  s.on("disconnect", () => {
    conns.delete(conn);
    conn.done = true;
    clearInterval(conn.timer);
  });
}

// HTTP endpoints, then the upgrade routing (404 / 503)
const routes: NodeHttpRoutes = {
  stackId: STACK_ID,
  stats: () => {
    stats.connections = io.engine.clientsCount; // engine.io counts open connections itself (the 503 check reads the same count)
    return statsBody(stats, process.memoryUsage.rss(), startedMs);
  },
  gc: fullGc && (() => (fullGc!(), process.memoryUsage.rss())),
  maxPayloadBytes: limits.maxPayloadBytes,
  publish: (topic, body, text) => {
    const payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return publish(topic, text ? payload.toString("utf8") : payload);
  },
};

/** Plain HTTP endpoints (protocol's serveNodeHttp); engine.io hands over every request outside /socket.io/. */
function onRequest(req: IncomingMessage, res: ServerResponse): void {
  serveNodeHttp(req, res, routes);
}

const refuseUpgrade = (socket: Duplex, e: ErrorReply): void => void socket.end(rawHttpResponse(e));

const httpServer = createServer(onRequest);
const io = new Server(httpServer, {
  transports: ["websocket"],
  serveClient: false,
  maxHttpBufferSize: limits.maxPayloadBytes,
  perMessageDeflate: limits.compression,
  // Heartbeat: engine.io's own ping packets every WSARENA_PING_INTERVAL_S; it cannot turn them off, so 0 keeps its default.
  ...(limits.pingIntervalS > 0 ? { pingInterval: limits.pingIntervalS * 1000 } : {}),
});
// Departure: engine.io's upgrade listener cannot answer 404 (unknown path) or 503 (WSARENA_MAX_CONNECTIONS); this one
// does, then hands the upgrade to engine.io exactly as its own listener would (engine.io answers a bad handshake with 400).
httpServer.removeAllListeners("upgrade");
httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  if (!(req.url ?? "").startsWith(SIO_PATH)) return refuseUpgrade(socket, notFound("upgrade", (req.url ?? "/").split("?")[0]!));
  if (limits.maxConnections > 0 && io.engine.clientsCount >= limits.maxConnections) return refuseUpgrade(socket, overConnectionLimit(limits.maxConnections));
  io.engine.handleUpgrade(req, socket, head);
});
io.on("connection", onConnection);

// WSARENA_BROKER (cluster): socket.io's official Redis adapter carries room broadcasts to the other processes.
const clustered = brokerSchemeOf(process.env) !== null;
if (clustered) {
  if (brokerSchemeOf(process.env) !== "redis")
    throw new Error(`${BROKER_ENV}=${process.env[BROKER_ENV]}: socket-io supports redis:// only (its official adapter)`);
  const pubClient = createClient({ url: process.env[BROKER_ENV]! });
  const subClient = pubClient.duplicate();
  for (const c of [pubClient, subClient]) c.on("error", (e: Error) => console.error(`socket-io: broker: ${e.message}`));
  await Promise.all([pubClient.connect(), subClient.connect()]);
  io.adapter(createAdapter(pubClient, subClient));
}

// Lifecycle: idle sweep, listen, ready line, SIGTERM → disconnect → exit 0
// Contract: idle = no data event from the client (engine.io's own ping/pong is answered by every live client).
startIdleSweep(limits.idleTimeoutS, conns, (conn) => end(conn.socket));

function shutdown(): void {
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  // contract: close 1001 on every WebSocket (engine.io's close sends a close frame without a code)
  for (const client of Object.values((io.engine as unknown as { clients: Record<string, { transport: unknown }> }).clients))
    (client.transport as { socket?: { close(code: number, reason: string): void } }).socket?.close(CLOSE.goingAway, "server shutting down");
  void io.close(() => process.exit(0)); // disconnects every client, then closes the HTTP server
}
for (const signal of SHUTDOWN_SIGNALS) process.once(signal, shutdown);

httpServer.listen(listen.port, listen.host, () => {
  const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: portOf(httpServer.address()), pid: process.pid, version };
  process.stdout.write(readyLine(ready));
});
