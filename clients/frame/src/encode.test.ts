import { describe, expect, it } from "vitest";
import { buildTemplate, decodeBinaryHead, patchBinaryHeads } from "./encode.ts";
import { readPayloadHead, writePayloadHead, type PayloadHead } from "./payload.ts";

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
    const cases: [Buffer, number][] = [[buf, 64], [buf, 63]];
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
