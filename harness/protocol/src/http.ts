// HTTP side of protocol v1 shared by every server: POST /publish topic and body type, and the JSON error answers.
import type { ServerStats } from "./index.ts";

/** Endpoint paths: WebSocket endpoints (echo, stream, pubsub) and HTTP routes (health, stats, the publish prefix, gc). */
export const PATHS = { echo: "/echo", stream: "/stream", pubsub: "/pubsub", health: "/health", stats: "/stats", publish: "/publish/", gc: "/gc" } as const;

/** Body of `POST /gc` (only with WSARENA_GC_ENDPOINT=1): the server ran a full garbage collection; RSS measured after it. */
export interface GcBody {
  ok: true;
  /** Resident set size after the collection, bytes. */
  rssBytes: number;
}

/** The JSON text of a GcBody. */
export const gcBody = (rssBytes: number): string => JSON.stringify({ ok: true, rssBytes } satisfies GcBody);

/** Body of every HTTP error answer (404, 400, 413, 503), JSON. */
export interface ErrorBody {
  ok: false;
  /** What went wrong and what was expected. */
  reason: string;
}

/** An HTTP error answer, serialized once; each stack writes status, JSON_CONTENT_TYPE and body its own way. */
export interface ErrorReply {
  status: 400 | 404 | 413 | 503;
  /** Reason phrase of the status line ("Not Found"). */
  statusText: string;
  /** JSON text of an ErrorBody. */
  body: string;
}

/** Content-Type of every JSON answer. */
export const JSON_CONTENT_TYPE = "application/json";

const reply = (status: ErrorReply["status"], statusText: string, reason: string): ErrorReply => ({
  status,
  statusText,
  body: JSON.stringify({ ok: false, reason } satisfies ErrorBody),
});

/** 404: no HTTP route or WebSocket endpoint at `path` (`method` is the HTTP method, or "upgrade"). */
export const notFound = (method: string, path: string): ErrorReply => reply(404, "Not Found", `no route for ${method} ${path}`);
/** 400: bad request (invalid /stream parameters, malformed topic, not a WebSocket upgrade); `reason` says which. */
export const badRequest = (reason: string): ErrorReply => reply(400, "Bad Request", reason);
/** 413: POST /publish body over WSARENA_MAX_PAYLOAD. */
export const payloadTooLarge = (maxPayloadBytes: number): ErrorReply =>
  reply(413, "Payload Too Large", `body over WSARENA_MAX_PAYLOAD (${maxPayloadBytes} bytes)`);
/** 503: an upgrade over WSARENA_MAX_CONNECTIONS. */
export const overConnectionLimit = (maxConnections: number): ErrorReply =>
  reply(503, "Service Unavailable", `connection limit reached (WSARENA_MAX_CONNECTIONS=${maxConnections})`);

/** A whole HTTP/1.1 response for an error, for servers that refuse an upgrade on the raw socket. */
export function rawHttpResponse(e: ErrorReply): string {
  const length = new TextEncoder().encode(e.body).byteLength;
  return `HTTP/1.1 ${e.status} ${e.statusText}\r\nConnection: close\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\nContent-Length: ${length}\r\n\r\n${e.body}`;
}

/** A WebSocket endpoint path. */
export type WsEndpoint = typeof PATHS.echo | typeof PATHS.stream | typeof PATHS.pubsub;
const WS_ENDPOINTS: Readonly<Record<string, WsEndpoint>> = { [PATHS.echo]: PATHS.echo, [PATHS.stream]: PATHS.stream, [PATHS.pubsub]: PATHS.pubsub };

/** The WebSocket endpoint at `path` (the PATHS constant itself, cheap to compare per message), or undefined (→ 404). */
export function wsEndpoint(path: string): WsEndpoint | undefined {
  return Object.hasOwn(WS_ENDPOINTS, path) ? WS_ENDPOINTS[path] : undefined;
}

/** Percent-decodes the raw topic of POST /publish/<topic>; null when the encoding is malformed. */
export function decodeTopic(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * Topic of a POST /publish/<topic> request path (query already stripped): undefined when the path is not a publish
 * path with a topic, an ErrorReply (400) when the topic's percent-encoding is malformed.
 */
export function publishTopic(path: string): string | ErrorReply | undefined {
  if (!path.startsWith(PATHS.publish) || path.length === PATHS.publish.length) return undefined;
  const raw = path.slice(PATHS.publish.length);
  return decodeTopic(raw) ?? badRequest(`topic ${raw} is not valid percent-encoding`);
}

/** A published body goes out as a text frame when its Content-Type is text/* or application/json, else binary. */
export function isTextBody(contentType: string | null | undefined): boolean {
  return contentType != null && (contentType.startsWith("text/") || contentType.startsWith("application/json"));
}

/** A Node-style readable request (node:http IncomingMessage), typed structurally so this module needs no Node types. */
export interface BodyStream {
  on(event: "data" | "end", listener: (chunk: Uint8Array) => void): unknown;
}

/**
 * Reads a request body of at most `maxBytes`: `done(body)` once it has ended, or `done(null)` as soon as it grew over
 * `maxBytes` (answer 413 then; the rest is read and dropped).
 */
export function readBody(req: BodyStream, maxBytes: number, done: (body: Uint8Array | null) => void): void {
  const chunks: Uint8Array[] = [];
  let size = 0;
  req.on("data", (chunk) => {
    if (size > maxBytes) return;
    size += chunk.byteLength;
    if (size <= maxBytes) chunks.push(chunk);
    else done(null);
  });
  req.on("end", () => {
    if (size > maxBytes) return;
    if (chunks.length === 1) return done(chunks[0]!);
    const body = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    done(body);
  });
}

/** The parts of node:http's request the plain endpoints read, typed structurally. */
export interface NodeHttpRequest extends BodyStream {
  method?: string | undefined;
  url?: string | undefined;
  headers: { "content-type"?: string | undefined };
}

/** The part of node:http's response the plain endpoints write. */
export interface NodeHttpResponse {
  writeHead(status: number, headers: Record<string, string | number>): { end(body: string): unknown };
}

/** What a node:http server plugs into the plain endpoints. */
export interface NodeHttpRoutes {
  stackId: string;
  /** Body of GET /stats. */
  stats(): ServerStats;
  /** POST /gc: a full collection, returning the RSS after it; undefined when the server runs without --expose-gc. */
  gc: (() => number) | null | undefined;
  maxPayloadBytes: number;
  /** POST /publish/<topic>: delivers `body` (text when the content type says so) and returns how many received it. */
  publish(topic: string, body: Uint8Array, text: boolean): number;
}

function sendJson(res: NodeHttpResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": JSON_CONTENT_TYPE, "Content-Length": new TextEncoder().encode(body).byteLength }).end(body);
}

/** Answers protocol v1's plain HTTP endpoints on a node:http server: health, stats, gc, publish, else 404 (413 over the payload limit). */
export function serveNodeHttp(req: NodeHttpRequest, res: NodeHttpResponse, routes: NodeHttpRoutes): void {
  const fail = (e: ErrorReply): void => sendJson(res, e.status, e.body);
  const path = (req.url ?? "/").split("?")[0]!;
  if (req.method === "GET" && path === PATHS.health) return sendJson(res, 200, JSON.stringify({ ok: true, stack: routes.stackId }));
  if (req.method === "GET" && path === PATHS.stats) return sendJson(res, 200, JSON.stringify(routes.stats()));
  if (req.method === "POST" && path === PATHS.gc && routes.gc) return sendJson(res, 200, gcBody(routes.gc()));
  const topic = req.method === "POST" ? publishTopic(path) : undefined;
  if (typeof topic === "object") return fail(topic);
  if (topic === undefined) return fail(notFound(req.method ?? "?", path));
  readBody(req, routes.maxPayloadBytes, (body) => {
    if (body === null) return fail(payloadTooLarge(routes.maxPayloadBytes));
    sendJson(res, 200, JSON.stringify({ ok: true, topic, delivered: routes.publish(topic, body, isTextBody(req.headers["content-type"])) }));
  });
}
