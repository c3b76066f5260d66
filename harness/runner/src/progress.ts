// Progress of a run: the events runMatrix emits (for a TTY progress line or plain log lines), the counters behind
// them and the time-left estimate of each point-start event.
import type { RepetitionRecord } from "@wsarena/results";
import { estimateScenarioMs } from "./estimate.ts";
import type { EndReason, RepetitionPolicy } from "./repetitions.ts";
import type { VerifyOutcome } from "./run-context.ts";
import type { ScenarioPlan } from "./scenarios/types.ts";

/** Progress events, for a TTY progress line or plain log lines. */
export type RunEvent =
  | { type: "verify-start"; stack: string }
  | { type: "verify-done"; stack: string; outcome: VerifyOutcome }
  | {
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
      /** Points finished, and points planned so far (grows when a measurement is granted an extra repetition). */
      done: number;
      total: number;
      /** Estimated time left for the planned work, ms (scaled by how the estimates compared with reality so far). */
      etaMs: number;
      /** Upper bound of the time left (every measurement to maxReps, capped by the budget), ms; null for a fixed count. */
      etaMaxMs: number | null;
    }
  | { type: "point-done"; scenario: string; stack: string; rep: number; point: string; record: RepetitionRecord; headline: number; unit: string }
  | { type: "measurement-error"; scenario: string; stack: string; rep: number; message: string }
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

/** Time left for the planned work and its upper bound, for point-start events. */
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
