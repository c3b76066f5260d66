// Protocol v1 server on fastify 5 + @fastify/websocket 11 (ws underneath, bufferutil installed).
// Idiomatic fastify: WebSocket routes are routes with `websocket: true`; onRequest hooks refuse upgrades (503, 400) before the handshake.
import { createRequire } from "node:module";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import websocket from "@fastify/websocket";
import {
  CLOSE,
  JSON_CONTENT_TYPE,
  PATHS,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_SIGNALS,
  listenFromEnv,
  portOf,
  readyLine,
  type ReadyLine,
  badRequest,
  gcBody,
  isTextBody,
  notFound,
  overConnectionLimit,
  parseStreamParams,
  payloadTooLarge,
  readBody,
  statsBody,
  type ErrorReply,
  type ServerStats,
  type WsEndpoint,
} from "@wsarena/protocol";
import { accept, conns, fullGc, joinBroker, limits, publish, startHeartbeat, startIdleClose, startedMs, stats } from "@wsarena/server-ws/connection";

// Configuration (limits: the ws stack's connection module)
const STACK_ID = "fastify-websocket";
const listen = listenFromEnv(process.env);
const version = (createRequire(import.meta.url)("fastify/package.json") as { version: string }).version;
/** Longest a request may take to arrive: node:http's own default, which the ws and socket-io servers run with. fastify's
 * default (0) turns it off, and an endless body being read and dropped after its 413 would then hold the connection forever. */
const REQUEST_TIMEOUT_MS = 300_000;

// State, and the hot path (send with backpressure, pub/sub, stream pacing): @wsarena/server-ws/connection, the same ws library
const app = Fastify({
  logger: { level: "warn", stream: process.stderr },
  bodyLimit: limits.maxPayloadBytes,
  requestTimeout: REQUEST_TIMEOUT_MS,
  frameworkErrors: (error, _req, res) => void fail(res, badRequest(error.message)), // contract: the JSON error body (a bad URL is fastify's 400)
});
await app.register(websocket, {
  options: { maxPayload: limits.maxPayloadBytes, perMessageDeflate: limits.compression },
  // ws has already sent the close code (1002, 1007, 1009) when it reports a protocol error; keep it instead of terminate().
  errorHandler: (error) => app.log.warn(`connection error: ${error.message}`),
  // contract: shutdown closes with 1001 (the plugin's default preClose sends no code)
  preClose: (done) => {
    for (const c of conns) c.ws.close(CLOSE.goingAway, "server shutting down");
    done();
  },
});

const query = (req: FastifyRequest): URLSearchParams => new URLSearchParams(req.url.split("?")[1] ?? "");
for (const path of [PATHS.echo, PATHS.stream, PATHS.pubsub] satisfies WsEndpoint[]) {
  app.get(path, { websocket: true, onRequest: refuseUpgrade }, (ws, req) => {
    accept(ws, path, query(req), path === PATHS.stream ? parseStreamParams(query(req)) : undefined);
  });
}

// HTTP endpoints, then the upgrade routing (404 / 503 / 400)
const fail = (res: FastifyReply, e: ErrorReply): FastifyReply => res.code(e.status).type(JSON_CONTENT_TYPE).send(e.body);

/** onRequest hook of the WebSocket routes: 503 over WSARENA_MAX_CONNECTIONS, 400 on invalid /stream parameters. */
async function refuseUpgrade(req: FastifyRequest, res: FastifyReply): Promise<FastifyReply | undefined> {
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) return fail(res, overConnectionLimit(limits.maxConnections));
  if (req.routeOptions.url !== PATHS.stream) return undefined;
  try {
    parseStreamParams(query(req));
  } catch (e) {
    return fail(res, badRequest((e as Error).message));
  }
  return undefined;
}

// Every body is raw bytes: POST /publish forwards it verbatim, choosing the frame type from Content-Type.
app.removeAllContentTypeParsers();
/** The parsed body of a request over WSARENA_MAX_PAYLOAD: the route answers 413 while readBody reads and drops the rest. */
const OVERSIZE = Symbol("body over WSARENA_MAX_PAYLOAD");
// contract: a body over WSARENA_MAX_PAYLOAD gets 413 and the rest is read and dropped on a kept connection, as serveNodeHttp
// does for ws and socket-io. Neither fastify's bodyLimit nor a parser error will do: both answer `Connection: close` and end
// the socket mid-body, so the client, still sending, gets a reset that can discard the 413 before it has read it.
app.addContentTypeParser("*", (_req, payload, done) =>
  readBody(payload, limits.maxPayloadBytes, (body) => done(null, body === null ? OVERSIZE : Buffer.from(body.buffer, body.byteOffset, body.byteLength))),
);

app.get(PATHS.health, async () => ({ ok: true, stack: STACK_ID }));
app.get(PATHS.stats, async (): Promise<ServerStats> => statsBody(stats, process.memoryUsage.rss(), startedMs));
const gc = fullGc;
if (gc) app.post(PATHS.gc, async (_req, res) => (gc(), res.type(JSON_CONTENT_TYPE).send(gcBody(process.memoryUsage.rss()))));
app.post<{ Params: { "*": string }; Body: Buffer | typeof OVERSIZE | undefined }>(`${PATHS.publish}*`, async (req, res) => {
  const topic = req.params["*"]; // fastify has percent-decoded it (a malformed one is its 400: frameworkErrors)
  if (!topic) return fail(res, notFound(req.method, req.url));
  if (req.body === OVERSIZE) return fail(res, payloadTooLarge(limits.maxPayloadBytes));
  return { ok: true, topic, delivered: publish(topic, req.body ?? Buffer.alloc(0), !isTextBody(req.headers["content-type"])) };
});
// contract: the same JSON error bodies as every stack, for fastify's own 404, 400 (bad URL) and 413 (bodyLimit, should a parser of its own run)
app.setNotFoundHandler((req, res) => fail(res, notFound(req.method, req.url.split("?")[0]!)));
app.setErrorHandler((error: { statusCode?: number; message: string }, _req, res) => {
  if (error.statusCode === 413) return fail(res, payloadTooLarge(limits.maxPayloadBytes));
  if (error.statusCode === 400) return fail(res, badRequest(error.message));
  return res.send(error);
});

// Lifecycle: idle sweep, heartbeat, broker (WSARENA_BROKER), listen, ready line, SIGTERM → 1001 (preClose above) → exit 0
startIdleClose();
startHeartbeat();
await joinBroker();

async function shutdown(): Promise<void> {
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  await app.close();
  process.exit(0);
}
for (const signal of SHUTDOWN_SIGNALS) process.once(signal, () => void shutdown());

await app.listen(listen);
const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: portOf(app.server.address()), pid: process.pid, version };
process.stdout.write(readyLine(ready));
