import { describe, expect, it } from "vitest";
import {
  badRequest,
  decodeTopic,
  isTextBody,
  notFound,
  overConnectionLimit,
  payloadTooLarge,
  publishTopic,
  rawHttpResponse,
  readBody,
  wsEndpoint,
} from "./index.ts";

describe("HTTP helpers", () => {
  it("gives every error answer a JSON body with ok false and a reason", () => {
    for (const [e, status] of [
      [notFound("GET", "/nope"), 404],
      [badRequest("rate=x"), 400],
      [payloadTooLarge(10), 413],
      [overConnectionLimit(3), 503],
    ] as const) {
      expect(e.status).toBe(status);
      const body = JSON.parse(e.body) as { ok: unknown; reason: unknown };
      expect(body.ok).toBe(false);
      expect(typeof body.reason === "string" && body.reason.length > 0).toBe(true);
    }
    expect(JSON.parse(notFound("GET", "/nope").body).reason).toBe("no route for GET /nope");
  });

  it("writes a raw HTTP/1.1 response whose Content-Length counts UTF-8 bytes", () => {
    const e = badRequest("topic é");
    const raw = rawHttpResponse(e);
    expect(raw.startsWith("HTTP/1.1 400 Bad Request\r\n")).toBe(true);
    expect(raw).toContain(`Content-Length: ${Buffer.byteLength(e.body)}\r\n`);
    expect(raw.endsWith(`\r\n\r\n${e.body}`)).toBe(true);
  });

  it("decodes a publish topic, refuses malformed percent-encoding and ignores other paths", () => {
    expect(decodeTopic("a%20b")).toBe("a b");
    expect(decodeTopic("%E0%A4%A")).toBeNull();
    expect(publishTopic("/publish/a%2Fb")).toBe("a/b");
    expect(publishTopic("/publish/")).toBeUndefined();
    expect(publishTopic("/health")).toBeUndefined();
    const bad = publishTopic("/publish/%zz");
    expect(typeof bad === "object" && bad.status).toBe(400);
  });

  it("treats text/* and application/json as text bodies, anything else as binary", () => {
    expect(isTextBody("text/plain; charset=utf-8")).toBe(true);
    expect(isTextBody("application/json")).toBe(true);
    expect(isTextBody("application/octet-stream")).toBe(false);
    expect(isTextBody(undefined)).toBe(false);
    expect(isTextBody(null)).toBe(false);
  });

  it("maps the three WebSocket paths to their PATHS constant and nothing else", () => {
    expect(wsEndpoint("/echo")).toBe("/echo");
    expect(wsEndpoint("/pubsub")).toBe("/pubsub");
    expect(wsEndpoint("/echo/extra")).toBeUndefined();
    expect(wsEndpoint("constructor")).toBeUndefined();
  });
});

describe("readBody", () => {
  const feed = (chunks: string[], max: number): Array<string | null> => {
    const on: Record<string, (c: Uint8Array) => void> = {};
    const results: Array<string | null> = [];
    readBody({ on: (event, listener) => (on[event] = listener) }, max, (b) => results.push(b === null ? null : new TextDecoder().decode(b)));
    for (const c of chunks) on.data!(new TextEncoder().encode(c));
    on.end!(new Uint8Array());
    return results;
  };

  it("joins the chunks of a body within the limit", () => {
    expect(feed(["ab", "cd", "e"], 5)).toEqual(["abcde"]);
    expect(feed([], 5)).toEqual([""]);
  });

  it("reports a body over the limit once, as null", () => {
    expect(feed(["abc", "def", "ghi"], 5)).toEqual([null]);
  });
});
