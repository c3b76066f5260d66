import { describe, expect, it } from "vitest";
import * as wsLib from "ws";
import { readPayloadHead, writePayloadHead, type PayloadHead } from "@wsarena/driver-kit";
import { buildTemplate, decodeBinaryHead, encodeClientFrame, patchBinaryHeads } from "./encode.ts";

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

const view = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe("binary payload fast path (DataView twins of the payload codec)", () => {
  it("patchBinaryHeads writes the same bytes as writePayloadHead for every frame of a batch", () => {
    const a = buildTemplate(5, 64, true);
    const b = buildTemplate(5, 64, true);
    const ts = 123_456_789_012_345;
    patchBinaryHeads(view(a.buf), a.payloadOffset, a.frameBytes, 5, 4_000_000_000 - 2, 77, ts);
    for (let i = 0; i < 5; i++) writePayloadHead(b.buf, b.payloadOffset + i * b.frameBytes, true, (4_000_000_000 - 2 + i) >>> 0, 77, ts);
    expect(a.buf.equals(b.buf)).toBe(true);
  });

  it("decodeBinaryHead agrees with readPayloadHead on intact, bit-flipped and wrong-length payloads", () => {
    const buf = Buffer.alloc(64);
    writePayloadHead(buf, 0, true, 42, 3, 987_654_321_000);
    const cases: [Buffer, number][] = [
      [buf, 64],
      [buf, 63],
    ];
    for (let bit = 0; bit < 160; bit += 7) {
      const c = Buffer.from(buf);
      c[bit >> 3]! ^= 1 << (bit & 7);
      cases.push([c, 64]);
    }
    for (const [c, len] of cases) {
      const x: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
      const y: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
      const fast = decodeBinaryHead(view(c), 0, Math.min(len, 44), len, 64, x);
      const ref = readPayloadHead(c, 0, Math.min(len, 44), len, true, 64, y);
      expect(fast).toBe(ref);
      if (ref) expect(x).toEqual(y);
    }
    expect(decodeBinaryHead(view(buf), 0, 44, 64, 64, { seq: 0, sender: 0, tsNs: 0 })).toBe(true);
  });
});
