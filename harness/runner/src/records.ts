// The records a run writes: the initial per-(stack, scenario) states, run.json and its stack rows, and each
// measurement file built from a state.
import { REPO_ROOT, type DiscoveredStack } from "@wsarena/stacks";
import { describe, pointFlagsOf, unionFlags } from "@wsarena/results";
import { classifyOutliers } from "@wsarena/stats";
import { clientPackageVersions, gitState, machineInfo, packageVersions, runtimeVersions } from "./env.ts";
import { pointStop, repetitionsRecordOf, type PointProgress, type RepetitionPolicy } from "./repetitions.ts";
import {
  SCHEMA_VERSION,
  measurementFileName,
  type MeasurementRecord,
  type MeasurementStatus,
  type PointRecord,
  type FigureSummary,
  type RepetitionRecord,
  type RunRecord,
  type RunStackRecord,
  type VariantRecord,
} from "@wsarena/results";
import { loadShapeOfRun, stateKey, type MeasurementState, type RunContext, type RunOptions } from "./run-context.ts";
import { cpuPerMessageSummary } from "./cpu-per-message.ts";
import { sloOf } from "./knee.ts";
import { supportsScenario, type Profile, type Scenario, type ScenarioPlan, type ScenarioPoint } from "./scenarios/types.ts";

/** Headline value of a repetition record. */
export function headlineOf(scenario: Scenario, point: ScenarioPoint, r: RepetitionRecord): number {
  return scenario.value(point, r);
}

/** Headline values and saturation of every point of a state, in ladder order (points not run yet have no values). */
export function progressOf(s: MeasurementState): PointProgress[] {
  return s.plan.points.map((p) => {
    const st = s.points.get(p.key);
    return { values: st ? st.reps.map((r) => headlineOf(s.scenario, p, r)) : [], saturated: st?.saturated ?? false };
  });
}

/** The result record of a stack's variant (only called for a variant). */
function variantRecord(s: DiscoveredStack): VariantRecord {
  const v = s.variant!;
  return { id: v.id, base: v.base, env: { ...v.env }, load: { ...v.load }, description: v.description };
}

/** Display name of a row: the manifest's, with the variant in brackets, e.g. "uWebSockets.js (+deflate)". */
export function displayNameOf(s: DiscoveredStack): string {
  return s.variant ? `${s.manifest.displayName} (+${s.variant.id})` : s.manifest.displayName;
}

/** Builds the measurement file of a state. */
export function toRecord(runId: string, profile: Profile, driver: string, policy: RepetitionPolicy, s: MeasurementState, partial: boolean): MeasurementRecord {
  const progress = progressOf(s);
  const points: PointRecord[] = s.plan.points.flatMap((p, index) => {
    const st = s.points.get(p.key);
    if (!st) return [];
    const metric = s.scenario.metric(p);
    const all = progress[index]!.values;
    const values = all.filter((v) => Number.isFinite(v));
    const summary = values.length ? { metric: metric.name, unit: metric.unit, better: metric.better, ...describe(values) } : null;
    const classes = values.length === all.length ? classifyOutliers(all) : all.map(() => "normal" as const);
    return [
      {
        key: p.key,
        params: { ...p.params },
        reps: st.reps.map((r, i) => ({ ...r, outlier: classes[i]! })),
        stop: pointStop(policy, progress, index, s.end, partial),
        summary,
        flags: pointFlagsOf(
          st.reps.map((r) => r.flags),
          values,
        ),
        ...(st.saturated ? { saturated: true } : {}),
        ...(p.load.shape ? { loadShape: p.load.shape } : {}),
        ...cpuPerMessageField(st.reps),
      },
    ];
  });
  const status: MeasurementStatus = s.status === "pending" ? (points.length ? "ok" : "skipped") : s.status;
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    stack: s.stack.id,
    ...(s.stack.variant ? { variant: variantRecord(s.stack) } : {}),
    displayName: displayNameOf(s.stack),
    version: s.stack.version,
    runtime: s.stack.manifest.runtime,
    protocol: s.stack.manifest.protocol,
    approach: s.stack.manifest.approach,
    scenario: s.scenario.id,
    driver,
    profile,
    params: { ...s.plan.params },
    status,
    ...(s.reason ? { reason: s.reason } : status === "skipped" && !points.length ? { reason: "not run" } : {}),
    partial,
    ...(s.serverExit ? { serverExit: s.serverExit } : {}),
    flags: unionFlags(...points.map((p) => p.flags)),
    points,
    ...(s.knee ? { knee: s.knee } : {}),
    startedAt: s.startedAt,
    updatedAt: new Date().toISOString(),
  };
}

/** Step 1: one state per (stack, scenario); stacks that cannot run or do not list the scenario are skipped up front. */
export function buildStates(opts: RunOptions, plans: Map<string, ScenarioPlan>): Map<string, MeasurementState> {
  const states = new Map<string, MeasurementState>();
  for (const scenario of opts.scenarios) {
    for (const stack of opts.stacks) {
      const st: MeasurementState = {
        stack,
        scenario,
        plan: plans.get(scenario.id)!,
        status: "pending",
        points: new Map(),
        repsStarted: 0,
        repsDone: 0,
        repsMs: 0,
        end: null,
        startedAt: null,
      };
      if (!stack.runnable) Object.assign(st, { status: "skipped", reason: `stack cannot run here: ${stack.reason}` });
      else if (!supportsScenario(stack.manifest, scenario.id))
        Object.assign(st, { status: "skipped", reason: `${stack.id}'s stack.json does not list scenario ${scenario.id}` });
      else if (scenario.unsupported?.(stack.manifest)) Object.assign(st, { status: "skipped", reason: `${stack.id}: ${scenario.unsupported(stack.manifest)}` });
      else if (scenario.pointsFor) st.plan = { ...st.plan, points: scenario.pointsFor(st.plan, stack.manifest) };
      states.set(stateKey(stack.id, scenario.id), st);
    }
  }
  return states;
}

/** The run.json record at the start of a run. */
export function buildRunRecord(
  opts: RunOptions,
  plans: Map<string, ScenarioPlan>,
  states: Map<string, MeasurementState>,
  stackRecords: RunStackRecord[],
): RunRecord {
  const root = opts.root ?? REPO_ROOT;
  const p = opts.repetitions;
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: opts.runId,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    status: "running",
    git: gitState(root),
    machine: machineInfo(),
    runtimes: runtimeVersions(opts.stacks),
    clientPackages: clientPackageVersions(root),
    stacks: stackRecords,
    pinning: { serverCpus: opts.pinning?.serverList ?? null, clientCpus: opts.pinning?.clientList ?? null },
    config: {
      profile: opts.profile,
      reps: p.minReps,
      stacks: opts.stacks.map((s) => s.id),
      scenarios: opts.scenarios.map((s) => s.id),
      scenarioParams: Object.fromEntries(
        [...plans].map(([id, pl]) => [id, { params: pl.params, points: pl.points.map((pt) => ({ key: pt.key, ...pt.params })) }]),
      ),
      verifyLevel: "none",
      repetitions: repetitionsRecordOf(p),
      slo: sloOf(opts)
        .map((c) => c.text)
        .join(","),
      loadShape: loadShapeOfRun(opts),
    },
    measurements: [...states.values()].map((s) => measurementFileName(s.stack.id, s.scenario.id)),
    timing: null,
  };
}

/** The run.json record of a stack (or variant) before verification; `wsarena capacity` writes the same. */
export function stackRecordOf(s: DiscoveredStack): RunStackRecord {
  return {
    id: s.id,
    ...(s.variant ? { variant: variantRecord(s) } : {}),
    displayName: displayNameOf(s),
    runtime: s.manifest.runtime,
    protocol: s.manifest.protocol,
    approach: s.manifest.approach,
    version: s.version,
    packages: packageVersions(s.dir),
    verification: null,
  };
}

/** An interrupted measurement that has some points but did not finish its repetitions. */
export function isPartial(ctx: RunContext, s: MeasurementState): boolean {
  return ctx.abort.aborted() && s.end === null && s.status === "pending" && s.points.size > 0;
}

/** The point's server CPU µs per message across its repetitions, when they measured it (older runtimes without cpuacct may not). */
function cpuPerMessageField(reps: readonly RepetitionRecord[]): { serverCpuUsPerMsg?: FigureSummary } {
  const summary = cpuPerMessageSummary(reps);
  return summary ? { serverCpuUsPerMsg: summary } : {};
}
