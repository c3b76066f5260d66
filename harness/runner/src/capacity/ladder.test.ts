import { describe, expect, it } from "vitest";
import { BISECT_MAX_STEPS, bisectPoint, DEFAULT_CAPACITY_STEPS, largestPassing, nextLevel, planSteps, type LevelOutcome } from "./ladder.ts";

/** Drives the ladder against a server that holds `capacity` users exactly; returns the levels measured in order. */
function simulate(plan: number[], capacity: number, target: number | null, granularity = 1): LevelOutcome[] {
  const done: LevelOutcome[] = [];
  for (let next = nextLevel(plan, done, target, { granularity }); next; next = nextLevel(plan, done, target, { granularity })) {
    done.push({ users: next.users, phase: next.phase, pass: next.users <= capacity });
    if (done.length > 100) throw new Error("ladder does not end");
  }
  return done;
}

describe("planSteps", () => {
  it("adds --users to the ladder, sorted and unique", () => {
    expect(planSteps([5, 10, 25], 12)).toEqual([5, 10, 12, 25]);
    expect(planSteps([5, 10, 25], 10)).toEqual([5, 10, 25]);
    expect(planSteps([25, 5], null)).toEqual([5, 25]);
  });
  it("rejects a step that is not a positive whole number", () => {
    expect(() => planSteps([0, 5], null)).toThrow(/≥ 1/);
    expect(() => planSteps([5], 2.5)).toThrow(/whole number/);
  });
  it("default ladder is 5, 10, 25, 50, 100, 200, 500, 1k, 2k, 5k, 10k, ...", () => {
    expect(DEFAULT_CAPACITY_STEPS.slice(0, 11)).toEqual([5, 10, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000]);
  });
});

describe("bisectPoint", () => {
  it("takes the geometric midpoint, the arithmetic one from 0, and null when nothing lies between", () => {
    expect(bisectPoint(100, 200)).toBe(141);
    expect(bisectPoint(0, 5)).toBe(3);
    expect(bisectPoint(10, 11)).toBeNull();
  });
  it("rounds to the granularity and stays strictly inside the bracket", () => {
    expect(bisectPoint(100, 200, 50)).toBe(150);
    expect(bisectPoint(50, 100, 50)).toBeNull();
  });
});

describe("nextLevel", () => {
  it("climbs the ladder, stops at the first failure and bisects to within 10 %", () => {
    const done = simulate([5, 10, 25, 50, 100, 200, 500, 1000], 300, null);
    expect(done.filter((d) => d.phase === "ladder").map((d) => d.users)).toEqual([5, 10, 25, 50, 100, 200, 500]);
    const bis = done.filter((d) => d.phase === "bisect");
    expect(bis[0]!.users).toBe(316);
    expect(bis.length).toBeLessThanOrEqual(BISECT_MAX_STEPS);
    const best = largestPassing(done)!;
    expect(best.users).toBeLessThanOrEqual(300);
    expect(best.users).toBeGreaterThan(250);
    expect(best.atLeast).toBe(false);
  });

  it("measures --users even when an earlier step failed", () => {
    const done = simulate([5, 10, 25, 50, 100], 30, 100);
    expect(done.at(-1)).toEqual({ users: 100, phase: "target", pass: false });
    expect(done.filter((d) => d.phase === "ladder").map((d) => d.users)).toEqual([5, 10, 25, 50]);
    const done2 = simulate([5, 10, 25, 50, 100, 200], 7, 200);
    expect(done2.at(-1)).toEqual({ users: 200, phase: "target", pass: false });
    expect(done2.filter((d) => d.phase === "ladder").map((d) => d.users)).toEqual([5, 10]);
  });

  it("reports a lower bound when no step failed", () => {
    const done = simulate([5, 10, 25], 1_000, 10);
    expect(done.map((d) => d.users)).toEqual([5, 10, 25]);
    expect(largestPassing(done)).toEqual({ users: 25, atLeast: true });
  });

  it("bisects from 0 when the first step fails, and reports no passing level when none passed", () => {
    const done = simulate([5, 10], 0, null);
    expect(done.map((d) => d.users)).toEqual([5, 3, 2, 1]);
    expect(largestPassing(done)).toBeNull();
  });

  it("keeps bisection steps on whole rooms", () => {
    const done = simulate([5, 10, 25, 50, 100, 200, 500, 1000], 420, null, 50);
    for (const d of done.filter((x) => x.phase === "bisect")) expect(d.users % 50).toBe(0);
    expect(largestPassing(done)!.users).toBe(400);
  });
});
