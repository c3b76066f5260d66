import { describe, expect, it } from "vitest";
import { encodePayload, MIN_BINARY_PAYLOAD_BYTES, MIN_TEXT_PAYLOAD_BYTES, readPayloadHead, type PayloadHead } from "./payload.ts";

describe("payload codec", () => {
  for (const binary of [true, false]) {
    it(`round-trips seq, sender and a ns timestamp (${binary ? "binary" : "text"})`, () => {
      const ts = 1234567890123456;
      const p = encodePayload(64, binary, 4_000_000_000, 77, ts);
      const out: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
      expect(readPayloadHead(p, 0, p.length, p.length, binary, 64, out)).toBe(true);
      expect(out).toEqual({ seq: 4_000_000_000, sender: 77, tsNs: ts });
    });

    it(`flags a flipped bit in any head byte as corrupted (${binary ? "binary" : "text"})`, () => {
      const p = encodePayload(64, binary, 5, 1, 99);
      const out: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
      const n = binary ? MIN_BINARY_PAYLOAD_BYTES : MIN_TEXT_PAYLOAD_BYTES;
      for (let i = 0; i < n; i++) {
        const q = Buffer.from(p);
        q[i]! ^= 0x01;
        expect(readPayloadHead(q, 0, q.length, q.length, binary, 64, out), `byte ${i}`).toBe(false);
      }
      expect(readPayloadHead(p, 0, p.length, 63, binary, 64, out)).toBe(false);
    });
  }

  it("decodes text heads over the whole 32-bit range of every field, and only lowercase hex digits", () => {
    const out: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
    let x = 0x9e3779b9;
    const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    const values = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, ...Array.from({ length: 500 }, next)];
    for (const v of values) {
      const ts = v * 2048 + (next() & 2047);
      const p = encodePayload(64, false, v, next(), ts);
      expect(readPayloadHead(p, 0, p.length, p.length, false, 64, out)).toBe(true);
      expect(out.seq).toBe(v);
      expect(out.tsNs).toBe(ts);
      expect(out.sender).toBe(parseInt(p.toString("latin1", 10, 18), 16));
    }
    // The same head in uppercase hex (field markers kept) is not the layout.
    const p = encodePayload(64, false, 0xabcdef12, 0xfedcba98, 0xabcdef * 4096);
    const upper = Buffer.from(p.toString("latin1").toUpperCase(), "latin1");
    upper[0] = 0x73;
    upper[9] = 0x63;
    upper[18] = 0x74;
    upper[35] = 0x6b;
    expect(upper.equals(p)).toBe(false);
    expect(readPayloadHead(upper, 0, upper.length, upper.length, false, 64, out)).toBe(false);
  });
});
