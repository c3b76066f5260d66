import { describe, expect, it } from "vitest";
import { anyOverBuffered, fetchRoutes, type FetchRoutes, type ServerStats } from "./index.ts";

const published: Array<[string, string | Uint8Array]> = [];
const routes: FetchRoutes = {
  stack: "x",
  stats: () => ({ connections: 1 }) as ServerStats,
  maxPayloadBytes: 8,
  publish: (topic, body) => (published.push([topic, body]), 3),
};
const call = async (method: string, path: string, body?: string, type = "text/plain"): Promise<[number, unknown]> => {
  const req = new Request(`http://h${path}`, { method, body, headers: body === undefined ? {} : { "content-type": type } });
  const res = await fetchRoutes(req, new URL(req.url).pathname, routes);
  return [res.status, await res.json()];
};

describe("fetchRoutes", () => {
  it("answers health, stats and 404 with JSON", async () => {
    expect(await call("GET", "/health")).toEqual([200, { ok: true, stack: "x" }]);
    expect(await call("GET", "/stats")).toEqual([200, { connections: 1 }]);
    expect(await call("GET", "/nope")).toEqual([404, { ok: false, reason: "no route for GET /nope" }]);
    expect((await call("GET", "/publish/t"))[0]).toBe(404);
  });

  it("publishes a text body as a string and a binary body as bytes, and refuses one over the limit with 413", async () => {
    published.length = 0;
    expect(await call("POST", "/publish/a%20b", "hi")).toEqual([200, { ok: true, topic: "a b", delivered: 3 }]);
    expect((await call("POST", "/publish/t", "hi", "application/octet-stream"))[0]).toBe(200);
    expect(published[0]).toEqual(["a b", "hi"]);
    expect(published[1]![1]).toBeInstanceOf(Uint8Array);
    expect((await call("POST", "/publish/t", "123456789"))[0]).toBe(413);
    expect((await call("POST", "/publish/%zz", "hi"))[0]).toBe(400);
  });
});

describe("fetchRoutes POST /gc", () => {
  it("answers the RSS after a collection when the endpoint is on, and 404 when it is off", async () => {
    let collected = 0;
    const on: FetchRoutes = { ...routes, gc: () => (collected++, 1234) };
    const res = await fetchRoutes(new Request("http://h/gc", { method: "POST" }), "/gc", on);
    expect([res.status, await res.json(), collected]).toEqual([200, { ok: true, rssBytes: 1234 }, 1]);
    expect((await call("POST", "/gc"))[0]).toBe(404);
  });
});

describe("anyOverBuffered", () => {
  it("is true only when some subscriber's buffer is over the limit", () => {
    const sub = (n: number) => ({ getBufferedAmount: () => n });
    expect(anyOverBuffered([sub(0), sub(10)], 10)).toBe(false);
    expect(anyOverBuffered([sub(0), sub(11)], 10)).toBe(true);
    expect(anyOverBuffered([], 10)).toBe(false);
  });
});
