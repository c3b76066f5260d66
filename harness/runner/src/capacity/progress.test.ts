import { describe, expect, it } from "vitest";
import { DEFAULT_CAPACITY_STEPS, type LevelOutcome } from "./ladder.ts";
import { capacityProgress, ESTIMATED_STEP_OVERHEAD_MS, stepsLeft } from "./progress.ts";

const pass = (users: number, phase: LevelOutcome["phase"] = "ladder"): LevelOutcome => ({ users, phase, pass: true });
const fail = (users: number, phase: LevelOutcome["phase"] = "ladder"): LevelOutcome => ({ users, phase, pass: false });

describe("stepsLeft", () => {
  it("is every planned step before the ladder starts, and --users when it is not among them", () => {
    expect(stepsLeft([5, 10, 25], [], null)).toBe(3);
    expect(stepsLeft([5, 10, 25], [], 12)).toBe(4);
    expect(stepsLeft([5, 10, 25], [pass(5)], null)).toBe(2);
  });
  it("shrinks to the bisection still open once a ladder step fails", () => {
    // 25 failed after 10 passed: 16, 20, 22 and 23 are bisected (BISECT_MAX_STEPS), the rest of the ladder is dropped.
    expect(stepsLeft(DEFAULT_CAPACITY_STEPS, [pass(5), pass(10), fail(25)], null)).toBe(4);
    // 2 failed first: 1 is bisected, then nothing lies between 1 and 2.
    expect(stepsLeft([2, 4, 8], [fail(2)], null)).toBe(1);
    expect(stepsLeft([2, 4, 8], [fail(2), fail(1, "bisect")], null)).toBe(0);
    expect(stepsLeft([2, 4, 8], [fail(2), fail(1, "bisect")], 8)).toBe(1);
  });
  it("counts the machine's limit: the largest level it allows, then the next step recorded as beyond it", () => {
    expect(stepsLeft([4, 20], [], 20, { maxUsers: 15 })).toBe(3);
    expect(stepsLeft([4, 20], [pass(4), pass(15)], 20, { maxUsers: 15 })).toBe(1);
  });
});

describe("capacityProgress", () => {
  it("counts steps over every stack, re-plans the total as a ladder stops early and re-estimates the time left from the pace", () => {
    let clock = 1_000;
    const p = capacityProgress({ stacks: 2, steps: [2, 4, 8], users: null, granularity: 1, stepMs: 1_000, now: () => clock });
    expect(p.mark()).toEqual({ done: 0, total: 6, elapsedMs: 0, etaMs: 6 * (1_000 + ESTIMATED_STEP_OVERHEAD_MS), etaMaxMs: null });
    p.startStack();
    clock += 10_000;
    p.replan([fail(2)], {}); // the ladder stops at its first step: one bisection left instead of two ladder steps
    expect(p.mark()).toEqual({ done: 1, total: 5, elapsedMs: 10_000, etaMs: 40_000, etaMaxMs: null });
    clock += 10_000;
    p.replan([fail(2), fail(1, "bisect")], {});
    p.endStack();
    expect(p.mark()).toMatchObject({ done: 2, total: 5, elapsedMs: 20_000, etaMs: 30_000 });
    p.startStack();
    p.replan([], { maxUsers: 4 });
    clock += 10_000;
    p.replan([pass(2)], { maxUsers: 4 });
    // 4 is the machine's limit: 8 is recorded as beyond it, one step all the same.
    expect(p.mark()).toMatchObject({ done: 3, total: 5, elapsedMs: 30_000, etaMs: 20_000 });
    p.replan([pass(2), pass(4), { users: 8, phase: "ladder", pass: false, beyondLimit: true }], { maxUsers: 4 });
    p.endStack();
    expect(p.mark()).toMatchObject({ done: 5, total: 5, etaMs: 0 });
  });
  it("drops the rest of a ladder that ends without its steps (a stack that could not be measured)", () => {
    const p = capacityProgress({ stacks: 2, steps: [2, 4, 8], users: null, granularity: 1, stepMs: 1_000, now: () => 0 });
    p.startStack();
    p.endStack();
    expect(p.mark()).toMatchObject({ done: 0, total: 3 });
  });
});
