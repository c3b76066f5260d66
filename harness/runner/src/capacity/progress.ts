// Progress of a capacity run: steps done of the steps planned over every stack (re-planned as a ladder stops early or
// bisects), the elapsed time and the time left at the pace seen so far.
import type { ProgressMark } from "../progress.ts";
import { BISECT_MAX_STEPS, nextLevel, type LadderOptions, type LevelOutcome } from "./ladder.ts";

/**
 * Estimated fixed cost of a step on top of its warm-up and window (load workers start and connect, the quiet gate,
 * /stats), for the time left before the first step has finished; afterwards the pace measured so far replaces it.
 */
export const ESTIMATED_STEP_OVERHEAD_MS = 2_000;

/**
 * Steps a ladder still takes after `done` if every level from here passes: the planned steps it has not reached, or the
 * bisection still open and --users (nextLevel itself, walked forward). An estimate: a failure ends the ladder sooner.
 */
export function stepsLeft(plan: readonly number[], done: readonly LevelOutcome[], target: number | null, o: LadderOptions = {}): number {
  const walked = [...done];
  // nextLevel never repeats a level, so the walk ends; the cap only guards against a future change to it.
  const cap = plan.length + (o.maxBisectSteps ?? BISECT_MAX_STEPS) + 3;
  for (let n = 0; n < cap; n++) {
    const next = nextLevel(plan, walked, target, o);
    if (!next) return n;
    walked.push({ users: next.users, phase: next.phase, pass: !next.beyondLimit, ...(next.beyondLimit ? { beyondLimit: true } : {}) });
  }
  return cap;
}

/** What the capacity progress needs of the run. */
export interface CapacityProgressOptions {
  stacks: number;
  steps: readonly number[];
  users: number | null;
  granularity: number;
  /** Warm-up plus window of one step, ms. */
  stepMs: number;
  now?: () => number;
}

/** Progress of a capacity run: call startStack, then replan after every recorded step, endStack when a stack is done. */
export interface CapacityProgress {
  startStack(): void;
  /** A step of the current stack was recorded: `done` is every level it has so far, `ladder` its current bounds. */
  replan(done: readonly LevelOutcome[], ladder: LadderOptions): void;
  /** The current stack's ladder is over (concluded, or it could not be measured). */
  endStack(): void;
  mark(): ProgressMark;
}

/** A capacity progress: [steps done / steps planned], elapsed since its creation, the time left at the pace so far. */
export function capacityProgress(o: CapacityProgressOptions): CapacityProgress {
  const now = o.now ?? Date.now;
  const t0 = now();
  const fresh = stepsLeft(o.steps, [], o.users, { granularity: o.granularity });
  let stacksNotStarted = o.stacks;
  let finishedStacksSteps = 0;
  let current = { done: 0, left: 0 };
  return {
    startStack() {
      stacksNotStarted = Math.max(0, stacksNotStarted - 1);
      current = { done: 0, left: fresh };
    },
    replan(done, ladder) {
      current = { done: done.length, left: stepsLeft(o.steps, done, o.users, ladder) };
    },
    endStack() {
      finishedStacksSteps += current.done;
      current = { done: 0, left: 0 };
    },
    mark() {
      const done = finishedStacksSteps + current.done;
      const left = current.left + stacksNotStarted * fresh;
      const elapsedMs = now() - t0;
      const perStepMs = done > 0 ? elapsedMs / done : o.stepMs + ESTIMATED_STEP_OVERHEAD_MS;
      return { done, total: done + left, elapsedMs, etaMs: left * perStepMs, etaMaxMs: null };
    },
  };
}
