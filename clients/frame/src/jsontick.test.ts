import { encodeJsonTick } from "@wsarena/protocol";
import { describe, expect, it } from "vitest";
import { JsonTickChecker } from "./jsontick.ts";

/** The tick as the frame driver sees it: plain, or inside a socket.io JSON string (every `"` as `\"`). */
function wire(seq: number, ts: number, size: number, escaped: boolean): Buffer {
  const t = encodeJsonTick(seq, ts, size);
  return Buffer.from(escaped ? t.replace(/"/g, '\\"') : t, "latin1");
}

const CASES = [
  { seq: 0, ts: 1 },
  { seq: 7, ts: 123_456_789 },
  { seq: 9_999, ts: 8_765_432_109_876 },
  { seq: 123_457, ts: 4_000_000_000_000_001 },
];

describe("JsonTickChecker", () => {
  for (const escaped of [false, true]) {
    for (const size of [0, 64, 150, 400]) {
      it(`accepts intact ticks and reads seq and ts (size ${size}${escaped ? ", escaped" : ""})`, () => {
        const c = new JsonTickChecker(size, escaped);
        for (const { seq, ts } of CASES) {
          const b = wire(seq, ts, size, escaped);
          for (const capture of [b.length, Math.min(b.length, 192)]) {
            expect(c.check(b, 0, capture, b.length)).toBe(true);
            expect([c.seq, c.ts]).toEqual([seq, ts]);
          }
        }
      });

      it(`rejects every changed byte, and a wrong length (size ${size}${escaped ? ", escaped" : ""})`, () => {
        const c = new JsonTickChecker(size, escaped);
        for (const { seq, ts } of CASES) {
          const b = wire(seq, ts, size, escaped);
          const capture = Math.min(b.length, 192);
          for (let i = 0; i < capture; i++) {
            const bad = Buffer.from(b);
            // A digit stays a digit (a changed seq or ts must still be caught), anything else changes.
            bad[i] = bad[i]! >= 0x30 && bad[i]! <= 0x38 ? bad[i]! + 1 : bad[i] === 0x39 ? 0x30 : bad[i]! ^ 0x01;
            const ok = c.check(bad, 0, capture, bad.length);
            // Changing seq or ts digits may yield another valid tick; then the fields read must differ.
            if (ok) expect([c.seq, c.ts]).not.toEqual([seq, ts]);
            if (ok) expect(encodeJsonTick(c.seq, c.ts, size)).not.toBe(encodeJsonTick(seq, ts, size));
            if (ok) expect(wire(c.seq, c.ts, size, escaped).equals(bad)).toBe(true);
          }
          expect(c.check(b, 0, capture, b.length + 1)).toBe(false);
          expect(c.check(b, 0, capture, b.length - 1)).toBe(false);
        }
      });
    }
  }

  it("rejects a tick whose px belongs to another seq", () => {
    const c = new JsonTickChecker(0, false);
    const b = Buffer.from(encodeJsonTick(42, 1000).replace('"seq":42', '"seq":43'), "latin1");
    expect(c.check(b, 0, b.length, b.length)).toBe(false);
  });

  it("accepts a captured head exactly when seq, ts and the fields up to the padding are in it, like the quote-aware loop", () => {
    for (const size of [0, 64, 150]) {
      const plain = new JsonTickChecker(size, false);
      const escaped = new JsonTickChecker(size, true);
      for (const { seq, ts } of CASES) {
        const t = encodeJsonTick(seq, ts, size);
        const b = wire(seq, ts, size, false);
        const e = wire(seq, ts, size, true);
        const fieldsEnd = t.includes(',"pad"') ? t.indexOf(',"pad"') : t.length - 1;
        for (let capture = 1; capture <= b.length; capture++) {
          const ok = plain.check(b, 0, capture, b.length);
          expect(ok, `capture ${capture}`).toBe(capture >= fieldsEnd);
          // The same cut of the escaped tick (each quote before the cut as two bytes) through the quote-aware loop.
          const quotes = [...t.slice(0, capture)].filter((ch) => ch === '"').length;
          expect(escaped.check(e, 0, capture + quotes, e.length), `escaped capture ${capture}`).toBe(ok);
        }
      }
    }
  });
});
