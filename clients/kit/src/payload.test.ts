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
});
