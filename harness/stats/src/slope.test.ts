import { describe, expect, it } from "vitest";
import { bytesPerSecToKibPerMin, fitSlope, leakVerdict, rssGrowth, samplesBetween, type TrendSample } from "./slope.ts";

/** Deterministic noise in [-1, 1) (a linear congruential generator), so the tests never flake. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** Per-second samples of base + slope·t + amplitude·noise. */
function series(n: number, bytesPerSec: number, amplitude: number, seed = 7): TrendSample[] {
  const r = noise(seed);
  return Array.from({ length: n }, (_, i) => ({ tMs: i * 1000, value: 50e6 + bytesPerSec * i + amplitude * r() }));
}

describe("fitSlope", () => {
  it("recovers an exact line with a zero-width interval", () => {
    const fit = fitSlope(series(30, 2048, 0))!;
    expect(fit.perSec).toBeCloseTo(2048, 6);
    expect(fit.ciLowPerSec).toBeCloseTo(2048, 6);
    expect(fit.ciHighPerSec).toBeCloseTo(2048, 6);
  });

  it("gives no fit below the minimum sample count or without time spread", () => {
    expect(fitSlope(series(5, 1, 0))).toBeNull();
    expect(fitSlope(Array.from({ length: 10 }, () => ({ tMs: 0, value: 1 })))).toBeNull();
  });

  it("widens the interval when residuals are autocorrelated (a random walk) compared with independent noise", () => {
    const r = noise(3);
    let level = 0;
    const walk: TrendSample[] = Array.from({ length: 120 }, (_, i) => ({ tMs: i * 1000, value: 50e6 + (level += 100e3 * r()) }));
    const fit = fitSlope(walk)!;
    expect(fit.autocorrelation).toBeGreaterThan(0.5);
    expect(fit.effectiveN).toBeLessThan(fit.n / 3);
  });
});

describe("leakVerdict", () => {
  it("flags a steady growth well above the noise, with its slope in KiB/min", () => {
    // 10 KiB/s of growth under ±200 KiB of noise over 3 minutes.
    const v = leakVerdict(series(180, 10 * 1024, 200 * 1024));
    expect(v.suspectedLeak).toBe(true);
    expect(v.kibPerMin).toBeGreaterThan(500);
    expect(v.kibPerMin).toBeLessThan(700);
  });

  it("does not flag a flat series with noise", () => {
    for (const seed of [1, 2, 3, 4, 5]) expect(leakVerdict(series(180, 0, 2e6, seed)).suspectedLeak).toBe(false);
  });

  it("does not flag a shrinking series", () => {
    expect(leakVerdict(series(60, -50e3, 1e5)).suspectedLeak).toBe(false);
  });

  it("converts bytes/s to KiB/min", () => {
    expect(bytesPerSecToKibPerMin(1024)).toBe(60);
  });
});

describe("rssGrowth", () => {
  const offered = 20 * 1024 * 1024;
  it("calls RSS that keeps a large share of the offered byte rate growing", () => {
    expect(rssGrowth(fitSlope(series(20, 0.5 * offered, 1e6)), offered)).toBe("growing");
  });
  it("calls a plateau with GC noise bounded, and a small significant drift bounded too", () => {
    expect(rssGrowth(fitSlope(series(20, 0, 2e6)), offered)).toBe("bounded");
    expect(rssGrowth(fitSlope(series(20, 0.01 * offered, 1e3)), offered)).toBe("bounded");
  });
  it("says unknown without a fit", () => {
    expect(rssGrowth(null, offered)).toBe("unknown");
  });
});

describe("samplesBetween", () => {
  it("keeps the samples inside the window, edges included", () => {
    expect(samplesBetween(series(10, 0, 0), 2000, 4000).map((s) => s.tMs)).toEqual([2000, 3000, 4000]);
  });
});
