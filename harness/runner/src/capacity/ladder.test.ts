import { describe, expect, it } from "vitest";
import { BISECT_MAX_STEPS, bisectPoint, DEFAULT_CAPACITY_STEPS, largestPassing, nextLevel, planSteps, type LevelOutcome } from "./ladder.ts";

/** Drives the ladder against a server that holds `capacity` users exactly; returns the levels measured in order. */
function simulate(plan: number[], capacity: number, target: number | null, granularity = 1, maxUsers?: number): LevelOutcome[] {
  const done: LevelOutcome[] = [];
  const o = { granularity, ...(maxUsers !== undefined ? { maxUsers } : {}) };
  for (let next = nextLevel(plan, done, target, o); next; next = nextLevel(plan, done, target, o)) {
    if (next.beyondLimit) done.push({ users: next.users, phase: next.phase, pass: false, beyondLimit: true });
    else done.push({ users: next.users, phase: next.phase, pass: next.users <= capacity });
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

  it("stops at the machine's limit: measures the limit itself, records the next step as beyond it, and never measures above", () => {
    const done = simulate([5, 10, 1000, 10_000, 20_000, 50_000], 1e9, 20_000, 1, 19_000);
    expect(done.map((d) => [d.users, d.phase, d.beyondLimit ?? false])).toEqual([
      [5, "ladder", false],
      [10, "ladder", false],
      [1000, "ladder", false],
      [10_000, "ladder", false],
      [19_000, "ladder", false],
      [20_000, "ladder", true],
    ]);
    // A level beyond the limit is no failure of the server: the largest passing level is the limit, a lower bound.
    expect(largestPassing(done)).toEqual({ users: 19_000, atLeast: true });
  });

  it("bisects up to the limit when the limit itself fails, and records a --users above the limit as beyond it", () => {
    const done = simulate([5, 10, 1000, 10_000, 20_000], 15_000, 30_000, 1, 19_000);
    expect(done.filter((d) => d.phase === "ladder").map((d) => d.users)).toEqual([5, 10, 1000, 10_000, 19_000]);
    const bis = done.filter((d) => d.phase === "bisect");
    expect(bis.length).toBeGreaterThan(0);
    for (const d of bis) expect(d.users).toBeLessThan(19_000);
    expect(done.at(-1)).toEqual({ users: 30_000, phase: "target", pass: false, beyondLimit: true });
    expect(done.filter((d) => d.beyondLimit)).toHaveLength(1);
    expect(largestPassing(done)!.atLeast).toBe(false);
  });

  it("measures nothing when the machine allows no user, and a limit on a step itself changes nothing", () => {
    expect(simulate([5, 10], 1e9, null, 1, 0).map((d) => [d.users, d.beyondLimit ?? false])).toEqual([[5, true]]);
    expect(simulate([5, 10, 25], 1e9, null, 1, 10).map((d) => [d.users, d.beyondLimit ?? false])).toEqual([
      [5, false],
      [10, false],
      [25, true],
    ]);
    expect(simulate([5, 10, 25], 1e9, null, 1, 1000).map((d) => d.users)).toEqual([5, 10, 25]);
  });
});
