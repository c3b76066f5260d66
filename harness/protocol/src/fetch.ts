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
  const body = isTextBody(req.headers.get("content-type")) ? await req.text() : new Uint8Array(await req.arrayBuffer());
  const size = typeof body === "string" ? new TextEncoder().encode(body).byteLength : body.byteLength;
  if (size > routes.maxPayloadBytes) return errorResponse(payloadTooLarge(routes.maxPayloadBytes));
  return Response.json({ ok: true, topic, delivered: routes.publish(topic, body) });
}
