import { describe, expect, it } from "vitest";
import { meanInterval, ratioOfMeans, studentTCdf, studentTQuantile, welch } from "./stats.ts";

describe("stats", () => {
  it("Student t quantiles match the published table", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 2);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.962, 2);
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 10);
  });

  it("Welch's test matches a hand-computed example", () => {
    // a: mean 20, var 2.5; b: mean 24, var 2.5; n = 5 each → se = 1, t = 4, df = 8, two-sided p ≈ 0.00395.
    const w = welch([18, 19, 20, 21, 22], [22, 23, 24, 25, 26]);
    expect(w.diff).toBe(4);
    expect(w.df).toBeCloseTo(8, 6);
    expect(w.pValue).toBeCloseTo(0.00395, 4);
    expect(w.interval.low).toBeCloseTo(4 - 2.306, 2);
  });

  it("the mean interval widens with few repetitions", () => {
    const three = meanInterval([9, 10, 11]);
    expect(three.high - three.low).toBeCloseTo(2 * 4.303 * (1 / Math.sqrt(3)), 2);
  });

  it("ratio of means: a clear 20% drop is significant, identical samples are not", () => {
    const a = [100, 102, 98, 101, 99];
    const r = ratioOfMeans(a, a.map((x) => x * 0.8));
    expect(r.ratio).toBeCloseTo(0.8, 6);
    expect(r.significant).toBe(true);
    expect(ratioOfMeans(a, [...a]).significant).toBe(false);
  });
});
