// The capacity ladder as pure functions: which user count to measure next, given what passed and failed so far.

/** Default ladder of concurrent users (1-2-5 steps from 5 on; the ladder stops after its first failing step). */
export const DEFAULT_CAPACITY_STEPS: readonly number[] = Object.freeze([5, 10, 25, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000]);
/** Bisection between the last passing and the first failing level stops once fail / pass ≤ this ratio (10 % resolution)... */
export const BISECT_MAX_RATIO = 1.1;
/** ...or after this many bisection steps, whichever comes first (each step is one measured window). */
export const BISECT_MAX_STEPS = 4;

/** Why a level was measured. */
export type LevelPhase = "ladder" | "bisect" | "target";

/** A measured level: its user count, why it was measured, and whether it met every criterion. */
export interface LevelOutcome {
  users: number;
  phase: LevelPhase;
  pass: boolean;
  /** Not measured: beyond the machine's limit (neither a pass nor a failure of the server). */
  beyondLimit?: boolean;
}

/** The next level to measure and why. */
export interface NextLevel {
  users: number;
  phase: LevelPhase;
  /** Beyond the machine's limit: to be recorded as such, not measured. */
  beyondLimit?: boolean;
}

/** Options of the ladder (defaults: the constants above). */
export interface LadderOptions {
  maxRatio?: number;
  maxBisectSteps?: number;
  /** User counts are rounded to multiples of this when bisecting (e.g. a room size); default 1. */
  granularity?: number;
  /** Most users the machine allows (its OS limits); levels above it are never measured. Default: no limit. */
  maxUsers?: number;
}

/** Ladder steps with --users added when it is not one of them, ascending and unique; every step must be a positive integer. */
export function planSteps(steps: readonly number[], users: number | null): number[] {
  const all = [...steps, ...(users !== null ? [users] : [])];
  for (const s of all) if (!Number.isInteger(s) || s < 1) throw new Error(`ladder step ${s}: expected a whole number of users ≥ 1`);
  return [...new Set(all)].sort((a, b) => a - b);
}

/** Highest passing level below the first (lowest) failing one, the bracket the bisection narrows; lo = 0 when nothing below passed. */
export function bracket(done: readonly LevelOutcome[]): { lo: number; hi: number | null } {
  const fails = done.filter((d) => !d.pass && !d.beyondLimit).map((d) => d.users);
  const hi = fails.length ? Math.min(...fails) : null;
  const passes = done.filter((d) => d.pass && (hi === null || d.users < hi)).map((d) => d.users);
  return { lo: passes.length ? Math.max(...passes) : 0, hi };
}

/** Midpoint of a bracket: geometric (the ladder is logarithmic), arithmetic from 0; null when nothing lies strictly between. */
export function bisectPoint(lo: number, hi: number, granularity = 1): number | null {
  const raw = lo === 0 ? hi / 2 : Math.sqrt(lo * hi);
  let mid = Math.round(raw / granularity) * granularity;
  if (mid <= lo) mid = lo + granularity;
  if (mid >= hi) mid = hi - granularity;
  return mid > lo && mid < hi ? mid : null;
}

/**
 * The next level: the next ladder step until one fails; then bisection between the last pass and the first fail until
 * the bracket is within maxRatio (or maxBisectSteps were spent); then `target` (--users) if it was not measured yet; then null.
 * With maxUsers, a ladder step above it is replaced by maxUsers itself; once that passed, the step above is returned once
 * as beyondLimit (the ladder stops there), and so is a target above maxUsers.
 */
export function nextLevel(plan: readonly number[], done: readonly LevelOutcome[], target: number | null, o: LadderOptions = {}): NextLevel | null {
  const maxRatio = o.maxRatio ?? BISECT_MAX_RATIO;
  const maxBisect = o.maxBisectSteps ?? BISECT_MAX_STEPS;
  const cap = o.maxUsers ?? Infinity;
  const measured = new Set(done.map((d) => d.users));
  const { lo, hi } = bracket(done);
  if (hi === null) {
    const step = plan.find((s) => !measured.has(s));
    if (step !== undefined && step <= cap) return { users: step, phase: "ladder" };
    if (step !== undefined && cap >= 1 && !measured.has(cap)) return { users: cap, phase: "ladder" };
    if (step !== undefined && !done.some((d) => d.beyondLimit && d.phase === "ladder")) return { users: step, phase: "ladder", beyondLimit: true };
  } else {
    const bisected = done.filter((d) => d.phase === "bisect").length;
    const wide = lo === 0 ? hi > 1 : hi / lo > maxRatio;
    if (bisected < maxBisect && wide) {
      const mid = bisectPoint(lo, hi, o.granularity ?? 1);
      if (mid !== null && mid <= cap && !measured.has(mid)) return { users: mid, phase: "bisect" };
    }
  }
  if (target !== null && !measured.has(target))
    return target > cap ? { users: target, phase: "target", beyondLimit: true } : { users: target, phase: "target" };
  return null;
}

/**
 * The largest level that passed below the first failure, and whether the ladder ran out of steps without a failure
 * (then the true capacity is at least that level). null when nothing passed.
 */
export function largestPassing(done: readonly LevelOutcome[]): { users: number; atLeast: boolean } | null {
  const { lo, hi } = bracket(done);
  return lo > 0 ? { users: lo, atLeast: hi === null } : null;
}
