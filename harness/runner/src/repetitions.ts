// Adaptive repetitions (after criterion.rs and hyperfine): a minimum count, then more until every point's 95 % interval
// is tight, a cap is reached or the time budget is spent. Pure functions; the matrix runner calls them between rounds.
import type { PointRecord, RunConfigRecord } from "@wsarena/results";
import type { Profile } from "./scenarios/types.ts";
import { summarizeSample } from "@wsarena/stats";

/** How many repetitions a measurement gets; never mutated. */
export interface RepetitionPolicy {
  /** Repetitions every measurement gets, whatever the budget. */
  minReps: number;
  /** Cap on repetitions. */
  maxReps: number;
  /** Stop adding repetitions once every point's 95 % half-width over its mean is ≤ this (0.05 = ±5 %). */
  targetCiHalfWidthRel: number;
  /** Wall-time budget of the timing phase, ms, or null for none. Only extra repetitions (beyond minReps) are cut by it. */
  budgetMs: number | null;
  /** True for a fixed count (--reps N): minReps = maxReps and every point stops "fixed". */
  fixed: boolean;
}

/** Default target half-width of the 95 % interval, relative to the mean (issue 9: ±5 %). */
export const DEFAULT_TARGET_CI_HALF_WIDTH_REL = 0.05;

/**
 * Repetitions per profile, sized from what a round of six stacks costs (each point's window plus the worker start,
 * connect, warm-up and drain around it; `run.json` records `timing` for every run):
 * - quick: 6 points per stack; the 150 s budget grants a third repetition only when the first two were quick (quick is
 *   a smoke comparison, not a verdict; it stays within the Quick start's few minutes).
 * - standard: minReps 3 of 3 s windows (PROFILE_TIMING) take well under the 40-minute budget, which leaves room for
 *   extra repetitions of the points still wider than ±5 %; with verification and the last repetition's overrun the run
 *   stays under 45 minutes.
 * - full: no budget; repetitions stop on the interval or the cap.
 */
export const PROFILE_REPETITIONS: Readonly<Record<Profile, RepetitionPolicy>> = Object.freeze({
  quick: { minReps: 2, maxReps: 3, targetCiHalfWidthRel: DEFAULT_TARGET_CI_HALF_WIDTH_REL, budgetMs: 150_000, fixed: false },
  standard: { minReps: 3, maxReps: 10, targetCiHalfWidthRel: DEFAULT_TARGET_CI_HALF_WIDTH_REL, budgetMs: 40 * 60_000, fixed: false },
  full: { minReps: 3, maxReps: 20, targetCiHalfWidthRel: DEFAULT_TARGET_CI_HALF_WIDTH_REL, budgetMs: null, fixed: false },
});

/** A fixed count of repetitions (no interval target, no budget). */
export function fixedRepetitions(reps: number): RepetitionPolicy {
  return { minReps: reps, maxReps: reps, targetCiHalfWidthRel: 0, budgetMs: null, fixed: true };
}

/** How run.json records a policy (config.repetitions): a fixed count as target 0 and no budget. */
export function repetitionsRecordOf(p: RepetitionPolicy): RunConfigRecord["repetitions"] {
  return { minReps: p.minReps, maxReps: p.maxReps, targetCiHalfWidthRel: p.fixed ? 0 : p.targetCiHalfWidthRel, budgetMs: p.fixed ? null : p.budgetMs };
}

/**
 * The policy a run recorded in run.json (config.repetitions): a fixed count is written with target 0 and no budget, and
 * an adaptive target is always above 0, so target 0 reads as the fixed count (version 1 sets migrate to exactly that).
 */
export function recordedRepetitions(r: RunConfigRecord["repetitions"]): RepetitionPolicy {
  if (r.targetCiHalfWidthRel === 0) return fixedRepetitions(r.minReps);
  return { minReps: r.minReps, maxReps: r.maxReps, targetCiHalfWidthRel: r.targetCiHalfWidthRel, budgetMs: r.budgetMs, fixed: false };
}

/** Why a measurement stopped taking repetitions (null while it still may take more). */
export type EndReason = "ci-tight" | "max-reps" | "budget" | "fixed";

/** Headline values of one point so far, in repetition order (NaN where a repetition had none), and whether it saturated. */
export interface PointProgress {
  values: readonly number[];
  saturated: boolean;
}

/** Relative 95 % half-width of the finite values, or null when there are fewer than two. */
export function halfWidthRel(values: readonly number[]): number | null {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length < 2 ? null : summarizeSample(finite).ciHalfWidthRel;
}

/**
 * Points that decide whether a measurement needs more repetitions: in ladder order, those before the first saturated
 * point (a saturated point and the ones beyond it describe overload, which more repetitions do not make tighter), and
 * only points with at least one finite headline (more repetitions cannot give a figure to a point that never has one).
 */
export function holdingPoints(points: readonly PointProgress[]): PointProgress[] {
  const firstSaturated = points.findIndex((p) => p.saturated);
  const upTo = firstSaturated < 0 ? points.length : firstSaturated;
  return points.slice(0, upTo).filter((p) => p.values.some((v) => Number.isFinite(v)));
}

/** True when a point's 95 % interval is within the target. */
export function isTight(values: readonly number[], target: number): boolean {
  const h = halfWidthRel(values);
  return h !== null && h <= target;
}

/**
 * Whether a measurement is done after `repsDone` repetitions, and why (budget aside: the caller checks it before
 * granting an extra repetition). null = it needs another repetition.
 */
export function endReason(policy: RepetitionPolicy, repsDone: number, points: readonly PointProgress[]): EndReason | null {
  if (policy.fixed) return repsDone >= policy.maxReps ? "fixed" : null;
  if (repsDone < policy.minReps) return null;
  if (holdingPoints(points).every((p) => isTight(p.values, policy.targetCiHalfWidthRel))) return "ci-tight";
  if (repsDone >= policy.maxReps) return "max-reps";
  return null;
}

/**
 * Stop reason recorded on one point. `index` is its place in the ladder; `end` is the measurement's end reason (null
 * when it did not finish: interrupted or still running).
 */
export function pointStop(
  policy: RepetitionPolicy,
  points: readonly PointProgress[],
  index: number,
  end: EndReason | null,
  interrupted: boolean,
): PointRecord["stop"] {
  const firstSaturated = points.findIndex((p) => p.saturated);
  if (firstSaturated >= 0 && index >= firstSaturated) return "saturated";
  if (interrupted || end === null) return "interrupted";
  if (policy.fixed) return "fixed";
  if (isTight(points[index]!.values, policy.targetCiHalfWidthRel)) return "ci-tight";
  // A point without a headline value does not hold the measurement: it stopped for the measurement's reason.
  return end;
}

/**
 * Share of the remaining budget a scenario may spend, ms: the remaining budget split in proportion to the scenarios'
 * estimated cost at minReps (`thisMinMs` of `remainingMinMs` for this and every later scenario), so an early scenario
 * cannot spend the extra repetitions of the later ones; what a scenario leaves unspent passes on to the next.
 */
export function scenarioBudgetMs(budgetMs: number | null, elapsedMs: number, thisMinMs: number, remainingMinMs: number): number {
  if (budgetMs === null) return Infinity;
  const left = Math.max(0, budgetMs - elapsedMs);
  return remainingMinMs > 0 ? (left * thisMinMs) / remainingMinMs : left;
}
