// Runs the stack × scenario matrix: verify, then per scenario rounds of repetitions (stacks interleaved, order rotated,
// adaptive count), and writes the result set as it goes.
import { join } from "node:path";
import type { DriverId, LoadShape } from "@wsarena/loadgen";
import { type DiscoveredStack, killAllServers } from "@wsarena/stacks";
import { RUN_FILE, measurementFileName, writeJsonAtomic, type RunStackRecord } from "@wsarena/results";
import { startFloorProbes, killDescendants } from "@wsarena/host";
import { estimateScenarioMs } from "./estimate.ts";
import { endReason, scenarioBudgetMs } from "./repetitions.ts";
import { buildRunRecord, buildStates, isPartial, progressOf, stackRecordOf, toRecord } from "./records.ts";
import { verifyProgress } from "./progress.ts";
import { measureRepetition } from "./repetition.ts";
import {
  createAbortGuard,
  loadShapeOfRun,
  stateKey,
  type MeasurementState,
  type RunContext,
  type RunOptions,
  type RunOutcome,
  type VerifyOutcome,
} from "./run-context.ts";
import type { Scenario, ScenarioPlan } from "./scenarios/types.ts";

export { DEFAULT_RUN_LOAD_SHAPE } from "./run-context.ts";

export type { ProgressMark, RunEvent } from "./progress.ts";
export type { RunOptions, RunOutcome, VerifyFn, VerifyOutcome } from "./run-context.ts";
export { sameServerEnv } from "./repetition-server.ts";
// capacity/run.ts writes the same stack rows and imports them from here.
export { stackRecordOf } from "./records.ts";

/** Driver per stack protocol unless overridden: the frame-level client speaks plain WebSocket and Engine.IO/socket.io
 * framing, and out-runs the socket.io client library by ~3x on one core (measured here), so it drives both. */
export const DEFAULT_DRIVERS: Readonly<Record<"ws" | "socket.io", DriverId>> = { ws: "frame", "socket.io": "frame" };

/** Rotates `items` left by `by` (repetition r starts with stack r mod n). */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Stacks of repetition round `round`, in order: the stack list rotated by the round (so each stack takes its turn first
 * and last), keeping only those that still need a repetition.
 */
export function roundOrder<T>(stacks: readonly T[], round: number, needsRep: (s: T) => boolean): T[] {
  return rotate(stacks, round).filter(needsRep);
}

/** Step 2: verification. A stack that fails is invalid for every scenario and never timed. */
async function verifyStacks(ctx: RunContext): Promise<void> {
  const { opts, abort } = ctx;
  if (!opts.verify) return;
  const t0 = ctx.now();
  const total = opts.stacks.filter((s) => s.runnable).length;
  let verified = 0;
  for (const [i, stack] of opts.stacks.entries()) {
    if (abort.aborted()) break;
    if (!stack.runnable) continue;
    ctx.emit({ type: "verify-start", stack: stack.id, ...verifyProgress(verified, total, t0, ctx.now()) });
    let outcome: VerifyOutcome;
    try {
      outcome = await Promise.race([opts.verify(stack), abort.abortedP]);
    } catch (e) {
      outcome = { ok: false, level: "unknown", failures: [`verification crashed: ${(e as Error).message}`] };
    }
    if (abort.aborted()) break;
    ctx.emit({ type: "verify-done", stack: stack.id, outcome, ...verifyProgress(++verified, total, t0, ctx.now()) });
    ctx.stackRecords[i]!.verification = { ok: outcome.ok, level: outcome.level, failures: outcome.failures };
    ctx.run.config.verifyLevel = outcome.level;
    if (!outcome.ok) {
      for (const s of ctx.states.values()) {
        if (s.stack.id === stack.id && s.status === "pending") {
          s.status = "invalid";
          s.reason = `failed verification (${outcome.level}): ${outcome.failures.join("; ")}`;
        }
      }
    }
  }
  ctx.writeRun();
}

/** Whether the scenario's budget share allows one more repetition of `s` (predicted from its own repetitions so far). */
function budgetAllows(ctx: RunContext, s: MeasurementState, scenarioStartMs: number, shareMs: number): boolean {
  if (shareMs === Infinity) return true;
  const nextMs = s.repsDone > 0 ? s.repsMs / s.repsDone : estimateScenarioMs(s.plan);
  return ctx.now() - scenarioStartMs + nextMs <= shareMs;
}

/** Estimated cost of a scenario's pending measurements at minReps (for the budget split). */
function scenarioMinMs(ctx: RunContext, scenario: Scenario): number {
  const pending = ctx.opts.stacks.filter((st) => ctx.states.get(stateKey(st.id, scenario.id))!.status === "pending").length;
  return estimateScenarioMs(ctx.plans.get(scenario.id)!) * pending * ctx.policy.minReps;
}

/**
 * Step 4: the timing phase. Scenario-major, so stacks in one scenario are measured close together; within a scenario,
 * rounds of one repetition per stack that still needs one (order rotated per round), until every measurement is done:
 * minReps always, then more while a point's interval is wider than the target, up to maxReps and within the budget.
 */
async function timeMatrix(ctx: RunContext): Promise<void> {
  const { opts, policy, abort, progress: pr } = ctx;
  const pending = [...ctx.states.values()].filter((s) => s.status === "pending");
  pr.total = pending.reduce((a, s) => a + s.plan.points.length * policy.minReps, 0);
  pr.estimatedTotalMs = pending.reduce((a, s) => a + estimateScenarioMs(s.plan) * policy.minReps, 0);
  const t0 = (pr.t0 = ctx.now());
  for (const [i, scenario] of opts.scenarios.entries()) {
    if (abort.aborted()) return;
    const scenarioStartMs = ctx.now();
    const laterMinMs = opts.scenarios.slice(i).reduce((a, sc) => a + scenarioMinMs(ctx, sc), 0);
    const shareMs = scenarioBudgetMs(policy.budgetMs, scenarioStartMs - t0, scenarioMinMs(ctx, scenario), laterMinMs);
    const states = opts.stacks.map((st) => ctx.states.get(stateKey(st.id, scenario.id))!);
    const needsRep = (s: MeasurementState): boolean => {
      if (s.status !== "pending" || s.end !== null) return false;
      s.end = endReason(policy, s.repsDone, progressOf(s));
      if (s.end !== null) return false;
      if (s.repsDone < policy.minReps || budgetAllows(ctx, s, scenarioStartMs, shareMs)) return true;
      s.end = "budget";
      return false;
    };
    for (let round = 0; ; round++) {
      const order = roundOrder(states, round, needsRep);
      if (order.length === 0) break;
      for (const s of order) {
        if (abort.aborted()) return;
        // Re-checked: the budget may have run out during this round.
        if (s.repsDone >= policy.minReps && !needsRep(s)) continue;
        if (s.repsDone >= policy.minReps) {
          pr.total += s.plan.points.length;
          pr.estimatedTotalMs += estimateScenarioMs(s.plan);
        }
        await measureRepetition(ctx, s);
      }
    }
  }
}

/** Step 5: stop whatever still runs, write every measurement and run.json with its final status and timing. */
async function finalize(ctx: RunContext): Promise<void> {
  const { abort, run } = ctx;
  abort.dispose();
  killAllServers();
  await ctx.probes?.stop();
  const interrupted = abort.aborted();
  if (interrupted) {
    killDescendants("SIGKILL");
    ctx.emit({ type: "interrupted" });
  }
  for (const s of ctx.states.values()) {
    if (interrupted && s.status === "pending" && s.points.size === 0) s.reason = "run interrupted before this measurement";
    ctx.writeState(s, isPartial(ctx, s));
  }
  run.status = interrupted ? "interrupted" : "complete";
  run.finishedAt = new Date().toISOString();
  run.timing = {
    timingPhaseMs: ctx.progress.t0 === null ? 0 : ctx.now() - ctx.progress.t0,
    inWindowMs: Math.round(ctx.inWindowMs),
    quietWaitMs: Math.round(ctx.quietWaitMs),
  };
  ctx.writeRun();
}

/** A plan whose open-loop echo points (mode echo-open) send with `shape`; the other points are left as they are. */
export function withLoadShape(plan: ScenarioPlan, shape: LoadShape): ScenarioPlan {
  return { ...plan, points: plan.points.map((p) => (p.load.mode === "echo-open" ? { ...p, load: { ...p.load, shape } } : p)) };
}

/** Runs the whole matrix, writing run.json and one file per (stack, scenario) atomically as results come in. */
export async function runMatrix(opts: RunOptions): Promise<RunOutcome> {
  const shape = loadShapeOfRun(opts);
  const plans = new Map(opts.scenarios.map((s) => [s.id, withLoadShape(s.plan(opts.profile), shape)]));
  const states = buildStates(opts, plans);
  const stackRecords: RunStackRecord[] = opts.stacks.map(stackRecordOf);
  const run = buildRunRecord(opts, plans, states, stackRecords);
  const driverFor = opts.driverFor ?? ((s: DiscoveredStack) => DEFAULT_DRIVERS[s.manifest.protocol]);
  const record = (s: MeasurementState, partial: boolean) => toRecord(opts.runId, opts.profile, driverFor(s.stack), opts.repetitions, s, partial);
  const ctx: RunContext = {
    opts,
    policy: opts.repetitions,
    now: opts.now ?? Date.now,
    emit: (e) => opts.onEvent?.(e),
    driverFor,
    plans,
    states,
    run,
    stackRecords,
    writeRun: () => writeJsonAtomic(join(opts.outDir, RUN_FILE), run),
    writeState: (s, partial = false) => writeJsonAtomic(join(opts.outDir, measurementFileName(s.stack.id, s.scenario.id)), record(s, partial)),
    abort: createAbortGuard(opts.signal),
    progress: { done: 0, total: 0, estimatedTotalMs: 0, estimatedDoneMs: 0, t0: null },
    probes: null,
    inWindowMs: 0,
    quietWaitMs: 0,
  };
  ctx.writeRun();
  try {
    await verifyStacks(ctx);
    // One probe per pinned core for the whole run, so each window's floor is measured in that very window.
    if (opts.pinning && opts.floor !== false && !ctx.abort.aborted()) {
      const { serverCpus, clientCpus } = opts.pinning;
      ctx.probes = await startFloorProbes([
        ...serverCpus.map((cpu) => ({ cpu, role: "server" as const })),
        ...clientCpus.map((cpu) => ({ cpu, role: "client" as const })),
      ]);
    }
    await timeMatrix(ctx);
  } finally {
    await finalize(ctx);
  }
  const measurements = [...states.values()].map((s) => record(s, isPartial(ctx, s)));
  return { dir: opts.outDir, run, measurements };
}
