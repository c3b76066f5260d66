// HTTP routes for servers on the fetch API (Bun.serve, Deno.serve): one Request in, one Response out.
import { JSON_CONTENT_TYPE, PATHS, gcBody, isTextBody, notFound, payloadTooLarge, publishTopic, type ErrorReply } from "./http.ts";
import type { ServerStats } from "./index.ts";

/** What the plain HTTP routes need from a fetch-API server. */
export interface FetchRoutes {
  /** Stack id, answered by GET /health. */
  stack: string;
  /** Body of GET /stats now. */
  stats: () => ServerStats;
  maxPayloadBytes: number;
  /** Hands a POST /publish body to every subscriber of `topic` (text when a string); returns how many. */
  publish: (topic: string, body: string | Uint8Array) => number;
  /** POST /gc: runs a full garbage collection and returns RSS bytes after it; null = the endpoint is off (404). */
  gc?: (() => number) | null;
}

/** An error answer as a fetch-API Response. */
export const errorResponse = (e: ErrorReply): Response => new Response(e.body, { status: e.status, headers: { "Content-Type": JSON_CONTENT_TYPE } });

/** GET /health, GET /stats, POST /gc when routes.gc is set, POST /publish/<topic> (400 on a malformed topic, 413 over maxPayloadBytes), else 404. */
export async function fetchRoutes(req: Request, path: string, routes: FetchRoutes): Promise<Response> {
  if (req.method === "GET" && path === PATHS.health) return Response.json({ ok: true, stack: routes.stack });
  if (req.method === "GET" && path === PATHS.stats) return Response.json(routes.stats());
  if (req.method === "POST" && path === PATHS.gc && routes.gc) return new Response(gcBody(routes.gc()), { headers: { "Content-Type": JSON_CONTENT_TYPE } });
  const topic = req.method === "POST" ? publishTopic(path) : undefined;
  if (typeof topic === "object") return errorResponse(topic);
  if (topic === undefined) return errorResponse(notFound(req.method, path));
  const contentLength = Number(req.headers.get("content-length") ?? 0);
  if (contentLength > routes.maxPayloadBytes) return errorResponse(payloadTooLarge(routes.maxPayloadBytes));
  // A chunked body has no length up front: read it chunk by chunk and stop at the cap, so nothing beyond it is buffered.
  const raw = await readCapped(req, routes.maxPayloadBytes);
  if (raw === null) return errorResponse(payloadTooLarge(routes.maxPayloadBytes));
  const body = isTextBody(req.headers.get("content-type")) ? new TextDecoder().decode(raw) : raw;
  return Response.json({ ok: true, topic, delivered: routes.publish(topic, body) });
}

/** The request body, or null as soon as it grows over `maxBytes` (the rest is not read). */
export async function readCapped(req: Request, maxBytes: number): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}
