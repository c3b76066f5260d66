import { describe, expect, it } from "vitest";
import * as wsLib from "ws";
import { buildTemplate, encodeClientFrame } from "./encode.ts";

const { Receiver } = wsLib as unknown as { Receiver: new (o: object) => NodeJS.WritableStream & { on(e: "message", f: (d: Buffer) => void): void } };

describe("client frame templates", () => {
  it("are masked frames (zero key) that ws's Receiver decodes to the patched payloads", async () => {
    const t = buildTemplate(3, 64, true);
    expect(t.buf[1]! & 0x80).toBe(0x80);
    const got: Buffer[] = [];
    const r = new Receiver({ isServer: true });
    r.on("message", (d: Buffer) => got.push(Buffer.from(d)));
    r.write(t.buf);
    await new Promise((res) => setImmediate(res));
    expect(got).toHaveLength(3);
    expect(got[0]).toEqual(t.buf.subarray(t.payloadOffset, t.payloadOffset + 64));
    expect(encodeClientFrame("hi", 1).subarray(2, 6)).toEqual(Buffer.alloc(4));
  });
});
