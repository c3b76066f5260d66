import { describe, expect, it } from "vitest";
import { classifyOutliers, countOutliers, meanInterval, ratioOfMeans, studentTCdf, studentTQuantile, summarizeSample, welch } from "./stats.ts";

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
    const r = ratioOfMeans(
      a,
      a.map((x) => x * 0.8),
    );
    expect(r.ratio).toBeCloseTo(0.8, 6);
    expect(r.significant).toBe(true);
    expect(ratioOfMeans(a, [...a]).significant).toBe(false);
  });
});

describe("classifyOutliers (Tukey fences)", () => {
  it("classifies values beyond 1.5 and 3 IQR as mild and severe, keeping order and every value", () => {
    const xs = [100, 101, 102, 103, 104, 99, 98, 112, 140, 60];
    const c = classifyOutliers(xs);
    expect(c).toHaveLength(xs.length);
    expect(c[7]).toBe("high-mild");
    expect(c[8]).toBe("high-severe");
    expect(c[9]).toBe("low-severe");
    expect(c.slice(0, 7).every((k) => k === "normal")).toBe(true);
    expect(countOutliers(c)).toEqual({ lowSevere: 1, lowMild: 0, highMild: 1, highSevere: 1 });
  });
  it("says nothing with fewer than 4 values", () => {
    expect(classifyOutliers([1, 2, 1000])).toEqual(["normal", "normal", "normal"]);
  });
});

describe("summarizeSample", () => {
  it("gives the 95 % t interval of the mean and its relative half-width", () => {
    const s = summarizeSample([98, 100, 102]);
    expect(s.mean).toBe(100);
    // t(0.975, 2) = 4.303, stdev 2, n 3: half-width 4.303 × 2 / √3 = 4.969
    expect(s.ci95Hi - s.mean).toBeCloseTo(4.969, 2);
    expect(s.ciHalfWidthRel).toBeCloseTo(0.04969, 4);
    expect(s.mad).toBeCloseTo(2 * 1.4826, 6);
  });
  it("has no relative half-width with one value", () => {
    expect(summarizeSample([5]).ciHalfWidthRel).toBeNull();
  });
});
