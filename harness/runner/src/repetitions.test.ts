import { describe, expect, it } from "vitest";
import {
  PROFILE_REPETITIONS,
  endReason,
  fixedRepetitions,
  holdingPoints,
  pointStop,
  recordedRepetitions,
  repetitionsRecordOf,
  scenarioBudgetMs,
  type RepetitionPolicy,
} from "./repetitions.ts";

const policy: RepetitionPolicy = { minReps: 3, maxReps: 5, targetCiHalfWidthRel: 0.05, budgetMs: null, fixed: false };
const tight = { values: [1000, 1001, 999], saturated: false };
const wide = { values: [1000, 1500, 700], saturated: false };

describe("endReason", () => {
  it("asks for repetitions until minReps, even when the interval is already tight", () => {
    expect(endReason(policy, 2, [{ values: [1000, 1000], saturated: false }])).toBeNull();
  });
  it("stops ci-tight once every holding point is within the target", () => {
    expect(endReason(policy, 3, [tight, tight])).toBe("ci-tight");
  });
  it("asks for more while one point is wide, and stops max-reps at the cap", () => {
    expect(endReason(policy, 3, [tight, wide])).toBeNull();
    expect(endReason(policy, 5, [tight, wide])).toBe("max-reps");
  });
  it("ignores a saturated ladder point and those beyond it", () => {
    expect(endReason(policy, 3, [tight, { ...wide, saturated: true }, wide])).toBe("ci-tight");
  });
  it("runs a fixed count whatever the interval", () => {
    expect(endReason(fixedRepetitions(2), 1, [tight])).toBeNull();
    expect(endReason(fixedRepetitions(2), 2, [wide])).toBe("fixed");
  });
});

describe("holdingPoints", () => {
  it("keeps the points before the first saturated one that have a finite headline", () => {
    const noValue = { values: [Number.NaN], saturated: false };
    expect(holdingPoints([tight, noValue, wide, { ...wide, saturated: true }, tight])).toEqual([tight, wide]);
  });
});

describe("pointStop", () => {
  it("records each point's own reason", () => {
    const points = [tight, wide, { ...wide, saturated: true }, wide];
    expect(pointStop(policy, points, 0, "max-reps", false)).toBe("ci-tight");
    expect(pointStop(policy, points, 1, "max-reps", false)).toBe("max-reps");
    expect(pointStop(policy, points, 1, "budget", false)).toBe("budget");
    expect(pointStop(policy, points, 2, "max-reps", false)).toBe("saturated");
    expect(pointStop(policy, points, 3, "max-reps", false)).toBe("saturated");
    expect(pointStop(policy, points, 1, null, true)).toBe("interrupted");
    expect(pointStop(fixedRepetitions(3), points, 1, "fixed", false)).toBe("fixed");
  });
});

describe("scenarioBudgetMs", () => {
  it("splits the remaining budget in proportion to the scenarios' cost at minReps", () => {
    expect(scenarioBudgetMs(100_000, 20_000, 10, 40)).toBe(20_000);
    expect(scenarioBudgetMs(100_000, 120_000, 10, 40)).toBe(0);
    expect(scenarioBudgetMs(null, 0, 10, 40)).toBe(Infinity);
  });
});

describe("recorded repetition policy", () => {
  it("reads back every policy as run.json records it: fixed counts, each profile's adaptive policy and one without a budget", () => {
    const policies: RepetitionPolicy[] = [
      fixedRepetitions(1),
      fixedRepetitions(4),
      ...Object.values(PROFILE_REPETITIONS),
      { minReps: 2, maxReps: 2, targetCiHalfWidthRel: 0.03, budgetMs: null, fixed: false },
    ];
    for (const p of policies) expect(recordedRepetitions(repetitionsRecordOf(p))).toEqual(p);
  });
  it("reads a version 1 set's fixed count (target 0, no budget) as that fixed count", () => {
    expect(recordedRepetitions({ minReps: 3, maxReps: 3, targetCiHalfWidthRel: 0, budgetMs: null })).toEqual(fixedRepetitions(3));
  });
});
