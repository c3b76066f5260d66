// Wall-time estimates of points, scenarios and runs, for the ETA, the budget split and the CLI's run preview.
import type { RepetitionPolicy } from "./repetitions.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint } from "./scenarios/types.ts";

/**
 * Estimated fixed cost of a point on top of warm-up + window + hold, for the ETA and the budget split. Measured here
 * (quick points against uws, 2026-12-02): load worker spawn with tsx ~0.4 s, driver import and connect ~0.4 s, the
 * 100 ms start margin, drain and worker exit 40–190 ms, the runner's own /stats and sampler ~10 ms.
 */
export const ESTIMATED_POINT_OVERHEAD_MS = 1_000;
/** Estimated cost of starting and stopping a server, for the ETA (measured 0.43–0.80 s to healthy, ~65 ms to stop). */
export const ESTIMATED_SERVER_START_MS = 600;

/** Estimated wall time of one (stack, scenario, repetition): server start plus every point. */
export function estimateScenarioMs(plan: ScenarioPlan): number {
  let ms = ESTIMATED_SERVER_START_MS;
  for (const p of plan.points) ms += estimatePointMs(p);
  return ms;
}

/** Estimated wall time of one point: warm-up, window, hold, fixed overhead and ~1 ms per connection for the ramp. */
export function estimatePointMs(p: ScenarioPoint): number {
  return p.load.warmupMs + (p.load.mode === "connections" ? p.load.holdMs : p.load.durationMs) + ESTIMATED_POINT_OVERHEAD_MS + p.load.connections;
}

/** Estimated wall time of a run of `stacks` stacks at `reps` repetitions (verification excluded; ladders assumed to run every point). */
export function estimateRunMs(scenarios: readonly Scenario[], profile: Profile, stacks: number, reps: number): number {
  return scenarios.reduce((a, s) => a + estimateScenarioMs(s.plan(profile)), 0) * stacks * reps;
}

/** Estimated timing-phase wall time under a repetition policy: at minReps, and at most (maxReps, capped by the budget). */
export function estimateRunRangeMs(
  scenarios: readonly Scenario[],
  profile: Profile,
  stacks: number,
  policy: RepetitionPolicy,
): { minMs: number; maxMs: number } {
  const minMs = estimateRunMs(scenarios, profile, stacks, policy.minReps);
  const capMs = estimateRunMs(scenarios, profile, stacks, policy.maxReps);
  return { minMs, maxMs: Math.max(minMs, Math.min(capMs, policy.budgetMs ?? Infinity)) };
}
