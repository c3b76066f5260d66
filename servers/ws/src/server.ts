// Protocol v1 server on the `ws` library (bufferutil loaded by ws itself) behind node:http.
// Idiomatic ws: a noServer WebSocketServer fed from node:http's "upgrade" event, pub/sub by a topic map in JS.
import { createServer, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import {
  CLOSE,
  PATHS,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_SIGNALS,
  listenFromEnv,
  exitWhenClosed,
  portOf,
  readyLine,
  type ReadyLine,
  type StreamParams,
  badRequest,
  notFound,
  overConnectionLimit,
  parseStreamParams,
  rawHttpResponse,
  statsBody,
  wsEndpoint,
  type ErrorReply,
  type WsEndpoint,
  serveNodeHttp,
  type NodeHttpRoutes,
} from "@wsarena/protocol";
import { accept, conns, fullGc, joinBroker, limits, publish, startHeartbeat, startIdleClose, startedMs, stats } from "./connection.ts";

// Configuration (limits: ./connection.ts)
const STACK_ID = "ws";
const listen = listenFromEnv(process.env);
const version = (createRequire(import.meta.url)("ws/package.json") as { version: string }).version;

// State, and the hot path (send with backpressure, pub/sub, stream pacing): ./connection.ts, shared with fastify-websocket
const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, perMessageDeflate: limits.compression });
wss.on("connection", (ws: WebSocket, path: WsEndpoint, url: URL, stream?: StreamParams) => {
  ws.on("error", (err) => console.error(`${STACK_ID}: connection error: ${err.message}`)); // ws has already sent the close code
  accept(ws, path, url.searchParams, stream);
});

// HTTP endpoints (protocol's serveNodeHttp), then the upgrade routing (404 / 503 / 400)
const routes: NodeHttpRoutes = {
  stackId: STACK_ID,
  stats: () => statsBody(stats, process.memoryUsage.rss(), startedMs),
  gc: fullGc && (() => (fullGc!(), process.memoryUsage.rss())),
  maxPayloadBytes: limits.maxPayloadBytes,
  publish: (topic, body, text) => publish(topic, body, !text),
};
const server = createServer((req, res) => serveNodeHttp(req, res, routes));

const refuseUpgrade = (socket: Duplex, e: ErrorReply): void => void socket.end(rawHttpResponse(e));

server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  socket.on("error", () => socket.destroy());
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "http://localhost");
  } catch {
    return refuseUpgrade(socket, badRequest(`malformed request target ${req.url}`));
  }
  const path = wsEndpoint(url.pathname);
  if (!path) return refuseUpgrade(socket, notFound("upgrade", url.pathname));
  if (limits.maxConnections > 0 && stats.connections >= limits.maxConnections) return refuseUpgrade(socket, overConnectionLimit(limits.maxConnections));
  let stream: StreamParams | undefined;
  if (path === PATHS.stream) {
    try {
      stream = parseStreamParams(url.searchParams);
    } catch (e) {
      return refuseUpgrade(socket, badRequest((e as Error).message));
    }
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, path, url, stream));
});

// Lifecycle: idle sweep, heartbeat, broker (WSARENA_BROKER), listen, ready line, SIGTERM → 1001 → exit 0
startIdleClose();
startHeartbeat();
await joinBroker();

function shutdown(): void {
  for (const conn of conns) conn.ws.close(CLOSE.goingAway, "server shutting down");
  server.close();
  exitWhenClosed(conns, () => process.exit(0), SHUTDOWN_GRACE_MS);
}
for (const signal of SHUTDOWN_SIGNALS) process.once(signal, shutdown);

server.listen(listen.port, listen.host, () => {
  const ready: ReadyLine = { event: "ready", stack: STACK_ID, port: portOf(server.address()), pid: process.pid, version };
  process.stdout.write(readyLine(ready));
});
