import { describe, expect, it } from "vitest";
import { holmAdjust, holmLevels, pooledLogVariance, pooledPairwiseRatios } from "./pooled.ts";
import { prng } from "./prng.ts";
import { fDistCdf, ratioOfMeans } from "./stats.ts";

const exp = (xs: number[]): number[] => xs.map(Math.exp);

/** A lognormal sample of n values around `median` with log-sd `sd` (Box–Muller on a seeded source). */
function lognormal(next: () => number, n: number, median: number, sd: number): number[] {
  return Array.from({ length: n }, () => median * Math.exp(sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())));
}

describe("fDistCdf", () => {
  it("matches the published F table", () => {
    expect(fDistCdf(16.26, 1, 5)).toBeCloseTo(0.99, 3);
    expect(fDistCdf(4.1, 2, 10)).toBeCloseTo(0.95, 3);
    expect(fDistCdf(0, 3, 3)).toBe(0);
  });
});

describe("pooledLogVariance", () => {
  it("pools the log variances weighted by n − 1, with df = values − samples", () => {
    // logs: {0, 0.2} var 0.02; {1, 1.1, 1.3} var 0.04667/2; {2} adds no df. Pool = (0.02 + 0.04667) / 3.
    const p = pooledLogVariance([exp([0, 0.2]), exp([1, 1.1, 1.3]), exp([2])]);
    expect(p.df).toBe(3);
    expect(p.variance).toBeCloseTo((0.02 + 0.0466667) / 3, 6);
    expect(p.wide).toEqual([]);
    expect(p.samples.map((s) => s.n)).toEqual([2, 3, 1]);
  });

  it("sets apart a stack whose spread is far wider than the others' and pools the rest", () => {
    const p = pooledLogVariance([
      [100, 101],
      [200, 202],
      [50, 50.5],
      [400, 402],
      [100, 300],
    ]);
    expect(p.wide).toEqual([4]);
    expect(p.df).toBe(4);
    expect(Math.sqrt(p.variance)).toBeLessThan(0.01);
  });

  it("keeps a moderately wider stack in the pool", () => {
    const p = pooledLogVariance([
      [100, 104, 98],
      [200, 196, 204],
      [50, 53, 49],
    ]);
    expect(p.wide).toEqual([]);
    expect(p.df).toBe(6);
  });
});

describe("Holm–Bonferroni", () => {
  it("holds the r-th smallest p to α/(m − r + 1) until the first failure, and adjusts p monotonically", () => {
    const ps = [0.01, 0.04, 0.03, 0.005];
    const levels = holmLevels(ps, 0.05);
    expect(levels[3]).toBeCloseTo(0.0125, 10);
    expect(levels[0]).toBeCloseTo(0.05 / 3, 10);
    // 0.03 fails its step (0.025): it and the later 0.04 are held to that level.
    expect(levels[2]).toBeCloseTo(0.025, 10);
    expect(levels[1]).toBeCloseTo(0.025, 10);
    const adj = holmAdjust(ps);
    expect(adj.map((x) => +x.toFixed(6))).toEqual([0.03, 0.06, 0.06, 0.02]);
    // Rejections agree both ways.
    expect(ps.map((p, i) => p <= levels[i]!)).toEqual(adj.map((a) => a <= 0.05));
  });
});

describe("pooledPairwiseRatios", () => {
  it("decides with two repetitions per stack where Welch cannot, borrowing df from the other stacks", () => {
    const samples = [
      [1000, 1500],
      [450, 350],
      [250, 300],
      [125, 100],
    ];
    expect(ratioOfMeans(samples[1]!, samples[0]!).significant).toBe(false);
    const { pool, ratios } = pooledPairwiseRatios(samples);
    expect(pool.df).toBe(4);
    const r = ratios[1]![0]!;
    expect(r.ratio).toBeCloseTo(Math.sqrt(1000 * 1500) / Math.sqrt(450 * 350), 9);
    expect(r.df).toBe(4);
    expect(r.significant).toBe(true);
    expect(r.level).toBeGreaterThan(0.95);
    // Inverse direction: the reciprocal interval.
    expect(ratios[0]![1]!.interval.low).toBeCloseTo(1 / r.interval.high, 9);
  });

  it("does not decide on a near-zero spread alone: such a stack is judged with the pool's variance", () => {
    const a = [100, 100, 100];
    const b = [101, 101, 101];
    expect(ratioOfMeans(a, b).significant).toBe(true);
    const { ratios } = pooledPairwiseRatios([a, b, [50, 60, 55]]);
    expect(ratios[0]![1]!.significant).toBe(false);
  });

  it("a wide stack widens its own pairs only", () => {
    const tight = [
      [1000, 1010],
      [300, 303],
      [100, 101],
    ];
    const wild = [80, 800];
    const without = pooledPairwiseRatios(tight).ratios;
    const withWild = pooledPairwiseRatios([...tight, wild]);
    expect(withWild.pool.wide).toEqual([3]);
    expect(withWild.ratios[1]![0]!.significant).toBe(true);
    expect(without[1]![0]!.significant).toBe(true);
    expect(withWild.ratios[3]![0]!.significant).toBe(false);
  });

  it("gives no interval when no stack has two repetitions", () => {
    const { pool, ratios } = pooledPairwiseRatios([[200], [100]]);
    expect(pool.df).toBe(0);
    expect(ratios[0]![1]!.interval).toEqual({ low: 0, high: Infinity });
    expect(ratios[0]![1]!.significant).toBe(false);
  });

  it("keeps the family-wise error at 5 % over all pairs where per-pair intervals exceed it (simulated, 6 equal stacks × 2 reps)", () => {
    const next = prng(20240611);
    const trials = 600;
    let anyFamily = 0;
    let anyUnadjusted = 0;
    for (let t = 0; t < trials; t++) {
      const samples = Array.from({ length: 6 }, () => lognormal(next, 2, 1000, 0.1));
      const { ratios } = pooledPairwiseRatios(samples);
      const all = ratios.flatMap((row, i) => row.filter((_, j) => j > i)) as NonNullable<(typeof ratios)[0][0]>[];
      if (all.some((r) => r.significant)) anyFamily++;
      if (all.some((r) => r.rawPValue < 0.05)) anyUnadjusted++;
    }
    expect(anyFamily / trials).toBeLessThan(0.065);
    expect(anyUnadjusted / trials).toBeGreaterThan(0.15);
  }, 60_000);
});
