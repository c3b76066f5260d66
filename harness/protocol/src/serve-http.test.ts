import { describe, expect, it } from "vitest";
import { serveNodeHttp, type NodeHttpRequest, type NodeHttpRoutes } from "./http.ts";

/** A request with `body` sent in one chunk, and the response it got. */
function call(method: string, url: string, routes: NodeHttpRoutes, body = "", contentType?: string): { status: number; json: unknown; length: number } {
  const handlers: Record<string, (c: Uint8Array) => void> = {};
  const req: NodeHttpRequest = { method, url, headers: { "content-type": contentType }, on: (e, l) => (handlers[e] = l) };
  const out = { status: 0, json: null as unknown, length: 0 };
  serveNodeHttp(
    req,
    {
      writeHead: (status, headers) => (
        (out.status = status), (out.length = Number(headers["Content-Length"])), { end: (b: string) => (out.json = JSON.parse(b)) }
      ),
    },
    routes,
  );
  handlers.data?.(new TextEncoder().encode(body));
  handlers.end?.(new Uint8Array());
  return out;
}

const published: Array<{ topic: string; text: string; isText: boolean }> = [];
const routes: NodeHttpRoutes = {
  stackId: "t",
  stats: () => ({ connections: 3 }) as never,
  gc: () => 4096,
  maxPayloadBytes: 8,
  publish: (topic, body, isText) => (published.push({ topic, text: new TextDecoder().decode(body), isText }), 2),
};

describe("serveNodeHttp", () => {
  it("answers health, stats and gc", () => {
    expect(call("GET", "/health", routes)).toMatchObject({ status: 200, json: { ok: true, stack: "t" } });
    expect(call("GET", "/stats?x=1", routes).json).toEqual({ connections: 3 });
    expect(call("POST", "/gc", routes).json).toEqual({ ok: true, rssBytes: 4096 });
    expect(call("POST", "/gc", { ...routes, gc: null }).status).toBe(404);
  });

  it("publishes a body with its type, refuses one over the limit, and 404s other routes", () => {
    const r = call("POST", "/publish/room%201", routes, "héllo", "text/plain");
    expect(r).toMatchObject({ status: 200, json: { ok: true, topic: "room 1", delivered: 2 } });
    expect(r.length).toBe(JSON.stringify(r.json).length);
    expect(published.at(-1)).toEqual({ topic: "room 1", text: "héllo", isText: true });
    expect(call("POST", "/publish/a", routes, "123456789").status).toBe(413);
    expect(call("GET", "/nope", routes).status).toBe(404);
  });
});
