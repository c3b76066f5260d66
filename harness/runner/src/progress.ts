// Progress of a run: the events runMatrix emits (for a TTY progress line or plain log lines), the counters behind
// them and the time-left estimate each of them carries.
import type { RepetitionRecord } from "@wsarena/results";
import { ESTIMATED_SERVER_START_MS, estimatePointMs, estimateScenarioMs } from "./estimate.ts";
import type { EndReason, RepetitionPolicy } from "./repetitions.ts";
import type { VerifyOutcome } from "./run-context.ts";
import type { ScenarioPlan } from "./scenarios/types.ts";

/**
 * How far a run (or a capacity run) has got, carried by every progress event so that each log line can say it: work
 * finished of the work planned, time since the start and the time left, re-estimated as the work goes.
 */
export interface ProgressMark {
  /** Units finished (points of a run, steps of a capacity run, stacks of the verification), and planned so far. */
  done: number;
  total: number;
  /** Since the start of this phase (the timing phase, the verification, the capacity run), ms. */
  elapsedMs: number;
  /** Estimated time left for the planned work, ms; null while nothing has finished to estimate it from. */
  etaMs: number | null;
  /** Upper bound of the time left (adaptive repetitions to maxReps, capped by the budget), ms; null when there is none. */
  etaMaxMs: number | null;
}

/** Progress events, for a TTY progress line or plain log lines. */
export type RunEvent =
  | ({ type: "verify-start"; stack: string } & ProgressMark)
  | ({ type: "verify-done"; stack: string; outcome: VerifyOutcome } & ProgressMark)
  | ({
      type: "point-start";
      scenario: string;
      stack: string;
      /** Repetition index of this measurement, 0-based. */
      rep: number;
      /** Repetitions every measurement gets (the fixed count, or minReps). */
      reps: number;
      /** Cap on repetitions (equal to reps for a fixed count). */
      maxReps: number;
      point: string;
      /** Estimated time left for the planned work, ms (scaled by how the estimates compared with reality so far). */
      etaMs: number;
    } & ProgressMark)
  | ({
      type: "point-done";
      scenario: string;
      stack: string;
      rep: number;
      point: string;
      record: RepetitionRecord;
      headline: number;
      unit: string;
    } & ProgressMark)
  | ({ type: "measurement-error"; scenario: string; stack: string; rep: number; message: string } & ProgressMark)
  | { type: "interrupted" };

/** Progress counters for the point-start events. */
export interface Progress {
  done: number;
  total: number;
  estimatedTotalMs: number;
  estimatedDoneMs: number;
  /** Start of the timing phase (now()), or null before it. */
  t0: number | null;
}

/** What the upper bound of the time left needs of a measurement. */
interface EtaMeasurement {
  status: string;
  end: EndReason | null;
  plan: ScenarioPlan;
  repsDone: number;
}

/**
 * Takes out of the plan what an errored measurement will never run: the rest of its repetition after `finishedPoints`
 * points (and the server start, when that is what failed) and `repsLeft` repetitions not started.
 */
export function dropUnrun(pr: Progress, plan: ScenarioPlan, finishedPoints: number, serverStarted: boolean, repsLeft: number): void {
  const rest = plan.points.slice(finishedPoints);
  pr.total -= rest.length + repsLeft * plan.points.length;
  const restMs = rest.reduce((a, p) => a + estimatePointMs(p), serverStarted ? 0 : ESTIMATED_SERVER_START_MS);
  pr.estimatedTotalMs -= restMs + repsLeft * estimateScenarioMs(plan);
}

/** Where the timing phase stands, for point events: points done and planned, elapsed, time left and its upper bound. */
export function pointProgress(
  pr: Progress,
  policy: RepetitionPolicy,
  now: () => number,
  measurements: Iterable<EtaMeasurement>,
): ProgressMark & { etaMs: number } {
  return { done: pr.done, total: pr.total, elapsedMs: now() - (pr.t0 ?? now()), ...eta(pr, policy, now, measurements) };
}

/** Where the verification stands: `done` of `total` stacks verified since `t0`, the time left at the rate so far. */
export function verifyProgress(done: number, total: number, t0: number, now: number): ProgressMark {
  const elapsedMs = now - t0;
  return { done, total, elapsedMs, etaMs: done > 0 ? (elapsedMs / done) * (total - done) : null, etaMaxMs: null };
}

/** Time left for the planned work and its upper bound, for point events. */
export function eta(
  pr: Progress,
  policy: RepetitionPolicy,
  now: () => number,
  measurements: Iterable<EtaMeasurement>,
): { etaMs: number; etaMaxMs: number | null } {
  const elapsed = now() - (pr.t0 ?? now());
  const rate = pr.estimatedDoneMs > 0 ? elapsed / pr.estimatedDoneMs : 1;
  const etaMs = Math.max(0, (pr.estimatedTotalMs - pr.estimatedDoneMs) * rate);
  if (policy.fixed) return { etaMs, etaMaxMs: null };
  // Every pending measurement taken to maxReps, at the rate seen so far, and never past the budget.
  let maxMs = 0;
  for (const s of measurements) {
    if (s.status !== "pending" || s.end !== null) continue;
    maxMs += estimateScenarioMs(s.plan) * Math.max(0, policy.maxReps - s.repsDone) * rate;
  }
  const budgetLeft = policy.budgetMs === null ? Infinity : Math.max(0, policy.budgetMs - elapsed);
  return { etaMs, etaMaxMs: Math.max(etaMs, Math.min(maxMs, budgetLeft)) };
}
