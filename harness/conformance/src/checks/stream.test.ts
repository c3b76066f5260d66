// The delivered-rate estimator of stream.rate-2000: exact on steady streams, unmoved by a stall the server catches up on.
import { describe, expect, it } from "vitest";
import { deliveredRate } from "./stream.ts";

function ticks(times: number[]): Array<{ tick: { seq: number }; receivedNs: bigint }> {
  return times.map((ms, seq) => ({ tick: { seq }, receivedNs: BigInt(Math.round(ms * 1e6)) }));
}

describe("deliveredRate", () => {
  it("measures a steady 1900/s stream as 1900/s (a 5% shortfall is visible)", () => {
    const t = ticks(Array.from({ length: 3800 }, (_, i) => (i * 1000) / 1900));
    expect(deliveredRate(t)).toBeCloseTo(1900, 0);
  });

  it("measures 2000/s when a 100 ms stall is caught up with a burst", () => {
    const t = ticks(
      Array.from({ length: 4000 }, (_, i) => {
        const due = i / 2; // ms at 2000/s
        return due >= 900 && due < 1000 ? 1000 : due; // everything due in the stall arrives at its end
      }),
    );
    expect(Math.abs(deliveredRate(t) - 2000) / 2000).toBeLessThan(0.01);
  });

  it("returns 0 for fewer than two ticks", () => {
    expect(deliveredRate(ticks([5]))).toBe(0);
  });
});
