// The `ws` library's side of protocol v1: send with the backpressure policy, pub/sub delivery, stream pacing.
// Shared by the two stacks built on ws (ws behind node:http, and fastify-websocket): their hot path is this one library.
import type { RawData, WebSocket } from "ws";
import {
  CLOSE,
  CONTROL_PREFIX,
  NO_TOPIC_REPLY,
  PATHS,
  STREAM_BATCH_TICKS,
  STREAM_WATERMARK_BYTES,
  limitsFromEnv,
  serverState,
  startIdleSweep,
  startPings,
  encodeBinaryTick,
  encodeJsonTick,
  paceIntervalMs,
  paceNowMs,
  ticksDue,
  type StreamParams,
  type WsEndpoint,
} from "@wsarena/protocol";
import { v8FullGc } from "@wsarena/protocol/gc";
import { bridgeFromEnv, type BrokerBridge } from "@wsarena/protocol/broker";

// Configuration and state
export const limits = limitsFromEnv(process.env);
export interface Conn {
  ws: WebSocket;
  idleSweeps: number;
}
type Payload = Buffer | Uint8Array | string;
export const { startedMs, stats, topics, conns } = serverState<Conn>();
/** POST /gc (WSARENA_GC_ENDPOINT=1): a full collection, or null when the endpoint is off. */
export const fullGc = v8FullGc(limits.gcEndpoint);

// Hot path
const byteLength = (data: Payload): number => (typeof data === "string" ? Buffer.byteLength(data) : data.byteLength);

/** Sends one data message through the backpressure policy; returns false when it was not sent. */
export function deliver(conn: Conn, data: Payload, binary: boolean): boolean {
  const { ws } = conn;
  if (ws.readyState !== ws.OPEN) return false;
  if (ws.bufferedAmount > limits.maxBufferedBytes) {
    if (limits.backpressure === "drop") {
      stats.dropped++;
      return false;
    }
    if (limits.backpressure === "close") {
      stats.closedForBackpressure++;
      ws.close(CLOSE.policyViolation);
      return false;
    }
  }
  ws.send(data, { binary });
  stats.messagesOut++;
  stats.bytesOut += byteLength(data);
  return true;
}

/** Delivers to every subscriber of `topic` in this process, the sender included; returns how many were handed the message. */
function deliverLocal(topic: string, data: Payload, binary: boolean): number {
  let delivered = 0;
  for (const sub of topics.subscribers(topic) ?? []) if (deliver(sub, data, binary)) delivered++;
  return delivered;
}

let bridge: BrokerBridge | null = null;
/** Joins the broker of WSARENA_BROKER, if set (before listening): publishes then reach every process's subscribers. */
export async function joinBroker(): Promise<void> {
  bridge = await bridgeFromEnv(process.env, (topic, data, binary) => void deliverLocal(topic, data, binary));
}

/** Publishes to `topic`: local subscribers now, other processes through the broker; returns how many local subscribers took it. */
export function publish(topic: string, data: Payload, binary: boolean): number {
  bridge?.publish(topic, data, binary);
  return deliverLocal(topic, data, binary);
}

export function onControl(conn: Conn, text: string): void {
  deliver(conn, topics.control(conn, text), false);
}

export function startStream(conn: Conn, p: StreamParams): void {
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
          return ws.send(data, { binary }, (err) => {
            if (!err) pump();
          });
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
    if (finished()) {
      clearInterval(timer);
      ws.close(CLOSE.normal);
    }
  }, paceIntervalMs(p.rate));
  ws.once("close", () => clearInterval(timer));
}

/**
 * Registers an accepted WebSocket on endpoint `path`: counters, idle tracking, message dispatch (inline, no per-message
 * callback), subscription to `?topic=` on /pubsub, the stream on /stream, cleanup on close. Returns its state.
 */
export function accept(ws: WebSocket, path: WsEndpoint, query: URLSearchParams, stream?: StreamParams): Conn {
  const conn: Conn = { ws, idleSweeps: 0 };
  conns.add(conn);
  stats.connections++;
  stats.connectionsTotal++;
  ws.on("close", () => {
    conns.delete(conn);
    stats.connections--;
    topics.unsubscribeAll(conn);
  });
  ws.on("ping", () => {
    conn.idleSweeps = 0;
  });
  ws.on("pong", () => {
    conn.idleSweeps = 0;
  });

  const pubTopic = path === PATHS.pubsub ? query.get("topic") || null : null;
  if (pubTopic) topics.subscribe(conn, pubTopic);
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
  if (stream) startStream(conn, stream);
  return conn;
}

/** Closes connections idle for WSARENA_IDLE_TIMEOUT_S with 1001. */
export const startIdleClose = (): (() => void) => startIdleSweep(limits.idleTimeoutS, conns, (conn) => conn.ws.close(CLOSE.goingAway, "idle timeout"));

/** Pings every open connection every WSARENA_PING_INTERVAL_S; a client's pong resets its idleSweeps (see accept). */
export const startHeartbeat = (): (() => void) => startPings(limits.pingIntervalS, conns, (conn) => conn.ws.ping());
