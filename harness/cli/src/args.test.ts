import { PROFILE_REPETITIONS } from "@wsarena/runner";
import { describe, expect, it } from "vitest";
import { parseDurationFlag, parsePercentFlag } from "./args.ts";
import { resolveRepetitions } from "./commands/run.ts";
import { describeRepetitions } from "./execute-run.ts";

describe("parsePercentFlag", () => {
  it("reads a percentage as a fraction", () => {
    expect(parsePercentFlag("target-ci", "5%", 50)).toBe(0.05);
    expect(parsePercentFlag("target-ci", "2.5%", 50)).toBe(0.025);
    expect(parsePercentFlag("target-ci", undefined, 50)).toBeUndefined();
  });
  it("rejects a bare number, zero, a value over the limit and junk, in one line", () => {
    for (const v of ["5", "0%", "51%", "five%", "-5%", "5 %%"]) {
      expect(() => parsePercentFlag("target-ci", v, 50)).toThrow(/^--target-ci .*: expected a percentage above 0 and at most 50, e\.g\. 5%$/);
    }
  });
});

describe("parseDurationFlag", () => {
  it("reads hours, minutes and seconds", () => {
    expect(parseDurationFlag("budget", "45m", 10_000, 86_400_000)).toBe(2_700_000);
    expect(parseDurationFlag("budget", "90s", 10_000, 86_400_000)).toBe(90_000);
    expect(parseDurationFlag("budget", "1h30m", 10_000, 86_400_000)).toBe(5_400_000);
  });
  it("rejects an empty value, a bare number, a unit out of order and values out of range", () => {
    for (const v of ["", "45", "30m1h", "5s", "25h", "m"]) {
      expect(() => parseDurationFlag("budget", v, 10_000, 86_400_000)).toThrow(
        /^--budget .*: expected a duration from 10s to 24h written like 45m, 90s or 1h30m$/,
      );
    }
  });
});

describe("resolveRepetitions", () => {
  it("takes the profile's adaptive policy by default", () => {
    expect(resolveRepetitions("standard", {})).toEqual(PROFILE_REPETITIONS.standard);
  });
  it("makes --reps N a fixed count", () => {
    expect(resolveRepetitions("quick", { reps: "4" })).toEqual({ minReps: 4, maxReps: 4, targetCiHalfWidthRel: 0, budgetMs: null, fixed: true });
  });
  it("overrides the profile one flag at a time", () => {
    expect(resolveRepetitions("standard", { "min-reps": "2", "max-reps": "6", "target-ci": "3%", budget: "10m" })).toEqual({
      minReps: 2,
      maxReps: 6,
      targetCiHalfWidthRel: 0.03,
      budgetMs: 600_000,
      fixed: false,
    });
    expect(resolveRepetitions("quick", { "min-reps": "7" }).maxReps).toBe(7);
  });
  it("rejects --reps with adaptive flags, and a cap below the minimum", () => {
    expect(() => resolveRepetitions("quick", { reps: "3", budget: "5m" })).toThrow(/--reps sets a fixed count and cannot be combined with --budget/);
    expect(() => resolveRepetitions("quick", { "min-reps": "4", "max-reps": "3" })).toThrow(/--max-reps 3 is below the 4 repetitions every measurement gets/);
  });
  it("describes fixed and adaptive policies in one line", () => {
    expect(describeRepetitions(resolveRepetitions("quick", { reps: "2" }))).toBe("2 reps (fixed)");
    expect(describeRepetitions(resolveRepetitions("standard", { "min-reps": "3", "max-reps": "10", "target-ci": "5%", budget: "40m" }))).toBe(
      "3–10 reps until the 95 % interval is within ±5 %, budget 40m00s",
    );
  });
});
