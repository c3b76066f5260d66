// Protocol v1 of wsarena: what every server implements, as types and named constants (see README.md).
export * from "./tick.ts";
export * from "./control.ts";
export * from "./topics.ts";
export * from "./stats.ts";
export * from "./http.ts";
export * from "./pacing.ts";
export * from "./state.ts";
export * from "./fetch.ts";
export * from "./socket-io.ts";

/** Version of the contract described in this package. */
export const PROTOCOL_VERSION = 1;

/** Close codes a conforming server uses. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
} as const;

/** Backpressure policy applied when a connection's send buffer exceeds WSARENA_MAX_BUFFERED. */
export type BackpressurePolicy = "drop" | "close" | "buffer";

/** Limits read from the environment; identical across stacks. */
export interface Limits {
  /** WSARENA_MAX_PAYLOAD: largest accepted message in bytes; larger closes with 1009. */
  maxPayloadBytes: number;
  /** WSARENA_MAX_BUFFERED: send-buffer size per connection above which the backpressure policy applies. */
  maxBufferedBytes: number;
  /** WSARENA_BACKPRESSURE: what to do with a message sent to a connection over maxBufferedBytes. */
  backpressure: BackpressurePolicy;
  /** WSARENA_COMPRESSION: permessage-deflate on (true) or off. */
  compression: boolean;
  /** WSARENA_IDLE_TIMEOUT_S: seconds without a received frame before the server closes a connection; 0 = never. */
  idleTimeoutS: number;
  /** WSARENA_MAX_CONNECTIONS: open WebSocket connections allowed; 0 = unlimited. Over it the upgrade gets HTTP 503. */
  maxConnections: number;
  /** WSARENA_PING_INTERVAL_S: the server sends a WebSocket ping to every open connection every this many seconds; 0 = never. */
  pingIntervalS: number;
  /** WSARENA_GC_ENDPOINT: `POST /gc` runs a full garbage collection and answers the RSS after it (false: 404 like any unknown path). */
  gcEndpoint: boolean;
}

/** Defaults of every limit, as named constants. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPayloadBytes: 16 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  backpressure: "drop",
  compression: false,
  idleTimeoutS: 120,
  maxConnections: 0,
  pingIntervalS: 0,
  gcEndpoint: false,
});

/** Environment variable names of the limits. */
export const LIMIT_ENV = {
  maxPayloadBytes: "WSARENA_MAX_PAYLOAD",
  maxBufferedBytes: "WSARENA_MAX_BUFFERED",
  backpressure: "WSARENA_BACKPRESSURE",
  compression: "WSARENA_COMPRESSION",
  idleTimeoutS: "WSARENA_IDLE_TIMEOUT_S",
  maxConnections: "WSARENA_MAX_CONNECTIONS",
  pingIntervalS: "WSARENA_PING_INTERVAL_S",
  gcEndpoint: "WSARENA_GC_ENDPOINT",
} as const;

function intFrom(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a non-negative integer`);
  return n;
}

/** Reads the limits from an environment map (process.env, Bun.env, Deno.env.toObject()). Throws on invalid values. */
export function limitsFromEnv(env: Record<string, string | undefined>): Limits {
  const bp = env[LIMIT_ENV.backpressure] || DEFAULT_LIMITS.backpressure;
  if (bp !== "drop" && bp !== "close" && bp !== "buffer") {
    throw new Error(`${LIMIT_ENV.backpressure}=${bp}: expected drop, close or buffer`);
  }
  const comp = env[LIMIT_ENV.compression] || "0";
  if (comp !== "0" && comp !== "1") throw new Error(`${LIMIT_ENV.compression}=${comp}: expected 0 or 1`);
  const gc = env[LIMIT_ENV.gcEndpoint] || "0";
  if (gc !== "0" && gc !== "1") throw new Error(`${LIMIT_ENV.gcEndpoint}=${gc}: expected 0 or 1`);
  return {
    maxPayloadBytes: intFrom(env, LIMIT_ENV.maxPayloadBytes, DEFAULT_LIMITS.maxPayloadBytes),
    maxBufferedBytes: intFrom(env, LIMIT_ENV.maxBufferedBytes, DEFAULT_LIMITS.maxBufferedBytes),
    backpressure: bp,
    compression: comp === "1",
    idleTimeoutS: intFrom(env, LIMIT_ENV.idleTimeoutS, DEFAULT_LIMITS.idleTimeoutS),
    maxConnections: intFrom(env, LIMIT_ENV.maxConnections, DEFAULT_LIMITS.maxConnections),
    pingIntervalS: intFrom(env, LIMIT_ENV.pingIntervalS, DEFAULT_LIMITS.pingIntervalS),
    gcEndpoint: gc === "1",
  };
}

/** Listen address when HOST is unset or empty. */
export const DEFAULT_HOST = "127.0.0.1";
/** Environment variables a server reads: the listen address and the limits (for runtimes that list them, like Deno). */
export const SERVER_ENV_NAMES: readonly string[] = ["HOST", "PORT", ...Object.values(LIMIT_ENV)];

/** Reads HOST (default DEFAULT_HOST) and PORT (default 0: the OS picks a free port). Throws on an invalid PORT. */
export function listenFromEnv(env: Record<string, string | undefined>): { host: string; port: number } {
  const port = intFrom(env, "PORT", 0);
  if (port > 65535) throw new Error(`PORT=${port}: expected 0..65535 (0 = any free port)`);
  return { host: env.HOST || DEFAULT_HOST, port };
}

/** The one JSON line a server prints on stdout once it listens. */
export interface ReadyLine {
  /** Always "ready". */
  event: "ready";
  /** Stack id, equal to the folder name under servers/. */
  stack: string;
  /** TCP port the server listens on (the real one when PORT=0). */
  port: number;
  /** Process id of the server (the process to pin, sample and signal). */
  pid: number;
  /** Version of the package named by the manifest's versionOf (runtime version for bun and deno). */
  version: string;
}

/** Signals that start a server's shutdown (close every WebSocket with 1001, exit 0 within 2 s). */
export const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Port of a listening node:http-style server from its address() (0 when it is not listening on TCP). */
export const portOf = (address: string | { port: number } | null): number => (typeof address === "object" && address ? address.port : 0);

/** The ready line as printed: one JSON object and a newline. */
export const readyLine = (ready: ReadyLine): string => `${JSON.stringify(ready)}\n`;

/** Body of GET /stats: counters since the server started. */
export interface ServerStats {
  /** WebSocket connections open now. */
  connections: number;
  /** WebSocket connections accepted since start. */
  connectionsTotal: number;
  /** Data messages received (control frames and socket.io protocol packets excluded). */
  messagesIn: number;
  /** Data messages sent, one per delivery (a pub/sub fan-out to 50 subscribers counts 50). */
  messagesOut: number;
  /** Payload bytes of the data messages received. */
  bytesIn: number;
  /** Payload bytes of the data messages sent. */
  bytesOut: number;
  /** Messages not sent because the connection was over WSARENA_MAX_BUFFERED with policy drop. */
  dropped: number;
  /** Connections closed with 1008 because they were over WSARENA_MAX_BUFFERED with policy close. */
  closedForBackpressure: number;
  /** Resident set size of the server process in bytes. */
  rssBytes: number;
  /** Milliseconds since the server started. */
  uptimeMs: number;
}

/** Body of GET /health. */
export interface HealthBody {
  ok: true;
  stack: string;
}

/** Body of the 200 answer to POST /publish/<topic>. */
export interface PublishReply {
  ok: true;
  topic: string;
  /** Subscribers the message was handed to. */
  delivered: number;
}

/** Query parameters of /stream. */
export interface StreamParams {
  format: "json" | "binary";
  /** Ticks per second; 0 = as fast as backpressure allows. */
  rate: number;
  /** Ticks before the server closes with 1000; 0 = until the client closes. */
  count: number;
  /** Minimum tick size in bytes (padding). */
  size: number;
}

/** Parses /stream query parameters with protocol defaults (json, rate 1000, count 0, size 0). */
export function parseStreamParams(query: URLSearchParams): StreamParams {
  const format = query.get("format") ?? "json";
  const num = (name: string, dflt: number): number => {
    const v = query.get(name);
    if (v === null || v === "") return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative number`);
    return n;
  };
  if (format !== "json" && format !== "binary") throw new Error(`format=${format}: expected json or binary`);
  return { format, rate: num("rate", 1000), count: Math.floor(num("count", 0)), size: Math.floor(num("size", 0)) };
}

/** Upper bound of the buffered bytes a rate=0 stream fills before it waits for drain (also capped by WSARENA_MAX_BUFFERED). */
export const STREAM_WATERMARK_BYTES = 1024 * 1024;
/** Ticks a rate=0 stream sends in one synchronous burst before yielding to the event loop, so other sockets are served. */
export const STREAM_BATCH_TICKS = 1024;
/** Time a server allows at SIGTERM for its 1001 close frames to go out before it exits anyway (exit within 2 s). */
export const SHUTDOWN_GRACE_MS = 1500;

/** socket.io event names (protocol v1 over socket.io). */
export const SIO_EVENTS = {
  echo: "echo",
  stream: "stream",
  tick: "tick",
  end: "end",
  sub: "sub",
  unsub: "unsub",
  pub: "pub",
  msg: "msg",
  subscribed: "subscribed",
  unsubscribed: "unsubscribed",
  error: "op-error",
} as const;
