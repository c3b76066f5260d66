// Runs the matrix (scenario × repetition × stack, stack order rotated per repetition) and writes the result set as it goes.
import { join } from "node:path";
import type { DriverId } from "@wsarena/loadgen";
import { REPO_ROOT, type DiscoveredStack } from "./discover.ts";
import { clientPackageVersions, gitState, machineInfo, packageVersions, runtimeVersions } from "./env.ts";
import { describe, unionFlags, varianceFlags } from "./flags.ts";
import { classifyOutliers } from "./stats.ts";
import { killAllServers, launchServer, type LaunchedServer } from "./launch.ts";
import { measurePoint, type RunLoadFn } from "./measure.ts";
import type { Pinning } from "./pin.ts";
import { killDescendants } from "./procs.ts";
import { writeJsonAtomic } from "./results/io.ts";
import {
  RUN_FILE,
  SCHEMA_VERSION,
  measurementFileName,
  type MeasurementRecord,
  type MeasurementStatus,
  type PointRecord,
  type RepetitionRecord,
  type RunRecord,
  type RunStackRecord,
} from "./results/schema.ts";
import { supportsScenario, type Profile, type Scenario, type ScenarioPlan } from "./scenarios/types.ts";

/** Driver per stack protocol unless overridden: the frame-level client speaks plain WebSocket and Engine.IO/socket.io
 * framing, and out-runs the socket.io client library by ~3x on one core (measured here), so it drives both. */
export const DEFAULT_DRIVERS: Readonly<Record<"ws" | "socket.io", DriverId>> = { ws: "frame", "socket.io": "frame" };
/** Grace between SIGTERM and SIGKILL when a server is stopped after its scenario. */
export const SERVER_STOP_GRACE_MS = 3_000;
/** Estimated fixed cost of a point on top of warm-up + window + hold (spawning workers, connecting, draining), for the ETA. */
export const ESTIMATED_POINT_OVERHEAD_MS = 2_000;
/** Estimated cost of starting and stopping a server, for the ETA. */
export const ESTIMATED_SERVER_START_MS = 1_000;

/** Result of verifying one stack before it is timed. */
export interface VerifyOutcome {
  /** True when every check passed (warnings allowed). */
  ok: boolean;
  /** Level that ran, e.g. "smoke". */
  level: string;
  /** One line per failed check. */
  failures: string[];
}

/** Verifies a stack (the CLI passes the conformance suite here; the runner does not depend on it). */
export type VerifyFn = (stack: DiscoveredStack) => Promise<VerifyOutcome>;

/** Progress events, for a TTY progress line or plain log lines. */
export type RunEvent =
  | { type: "verify-start"; stack: string }
  | { type: "verify-done"; stack: string; outcome: VerifyOutcome }
  | { type: "point-start"; scenario: string; stack: string; rep: number; reps: number; point: string; done: number; total: number; etaMs: number }
  | { type: "point-done"; scenario: string; stack: string; rep: number; point: string; record: RepetitionRecord; headline: number; unit: string }
  | { type: "measurement-error"; scenario: string; stack: string; rep: number; message: string }
  | { type: "interrupted" };

/** Options of runMatrix; never mutated. */
export interface RunOptions {
  runId: string;
  /** Result set folder (created). */
  outDir: string;
  /** Stacks in the order of the first repetition. */
  stacks: readonly DiscoveredStack[];
  scenarios: readonly Scenario[];
  profile: Profile;
  reps: number;
  /** Server and client pinning, or null for none. */
  pinning: Pinning | null;
  /** The load function (runLoad of @wsarena/loadgen). */
  runLoad: RunLoadFn;
  /** Verification before timing; a stack that fails is recorded invalid and not timed. Absent = not verified. */
  verify?: VerifyFn;
  /** Driver per stack; default DEFAULT_DRIVERS by protocol. */
  driverFor?: (stack: DiscoveredStack) => DriverId;
  /** Aborting stops the run after killing the current server and load; finished work is kept and the set is marked interrupted. */
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** Repository root (for git state and package versions). */
  root?: string;
}

/** What runMatrix returns. */
export interface RunOutcome {
  dir: string;
  run: RunRecord;
  measurements: MeasurementRecord[];
}

interface MeasurementState {
  stack: DiscoveredStack;
  scenario: Scenario;
  plan: ScenarioPlan;
  status: MeasurementStatus | "pending";
  reason?: string;
  points: Map<string, { params: PointRecord["params"]; reps: RepetitionRecord[]; saturated: boolean }>;
  /** Repetitions completed (every point that ran). */
  repsDone: number;
  startedAt: string | null;
}

/** Rotates `items` left by `by` (repetition r starts with stack r mod n). */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Estimated wall time of one (stack, scenario, repetition): server start plus every point. */
export function estimateScenarioMs(plan: ScenarioPlan): number {
  let ms = ESTIMATED_SERVER_START_MS;
  for (const p of plan.points) ms += estimatePointMs(p);
  return ms;
}

/** Estimated wall time of one point: warm-up, window, hold, fixed overhead and ~1 ms per connection for the ramp. */
export function estimatePointMs(p: ScenarioPlan["points"][number]): number {
  return p.load.warmupMs + (p.load.mode === "connections" ? p.load.holdMs : p.load.durationMs) + ESTIMATED_POINT_OVERHEAD_MS + p.load.connections;
}

/** Estimated wall time of a run of `stacks` stacks (verification excluded; ladders assumed to run every point). */
export function estimateRunMs(scenarios: readonly Scenario[], profile: Profile, stacks: number, reps: number): number {
  return scenarios.reduce((a, s) => a + estimateScenarioMs(s.plan(profile)), 0) * stacks * reps;
}

/** Builds the measurement file of a state. */
function toRecord(runId: string, profile: Profile, driver: string, s: MeasurementState, partial: boolean): MeasurementRecord {
  const points: PointRecord[] = s.plan.points
    .filter((p) => s.points.has(p.key))
    .map((p) => {
      const st = s.points.get(p.key)!;
      const metric = s.scenario.metric(p);
      const all = st.reps.map((r) => headlineOf(s.scenario, p, r));
      const values = all.filter((v) => Number.isFinite(v));
      const summary = values.length ? { metric: metric.name, unit: metric.unit, better: metric.better, ...describe(values) } : null;
      const classes = values.length === all.length ? classifyOutliers(all) : all.map(() => "normal" as const);
      return {
        key: p.key,
        params: { ...p.params },
        reps: st.reps.map((r, i) => ({ ...r, outlier: classes[i]! })),
        stop: st.saturated ? "saturated" : partial ? "interrupted" : "fixed",
        summary,
        flags: unionFlags(...st.reps.map((r) => r.flags), varianceFlags(values)),
        ...(st.saturated ? { saturated: true } : {}),
      };
    });
  const status: MeasurementStatus = s.status === "pending" ? (points.length ? "ok" : "skipped") : s.status;
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    stack: s.stack.id,
    displayName: s.stack.manifest.displayName,
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
    flags: unionFlags(...points.map((p) => p.flags)),
    points,
    startedAt: s.startedAt,
    updatedAt: new Date().toISOString(),
  };
}

/** Headline value of a repetition record. */
export function headlineOf(scenario: Scenario, point: ScenarioPlan["points"][number], r: RepetitionRecord): number {
  return scenario.value(point, r);
}

/** Runs the whole matrix, writing run.json and one file per (stack, scenario) atomically as results come in. */
export async function runMatrix(opts: RunOptions): Promise<RunOutcome> {
  const root = opts.root ?? REPO_ROOT;
  const emit = (e: RunEvent) => opts.onEvent?.(e);
  const driverFor = opts.driverFor ?? ((s: DiscoveredStack) => DEFAULT_DRIVERS[s.manifest.protocol]);
  const plans = new Map(opts.scenarios.map((s) => [s.id, s.plan(opts.profile)]));
  const states = new Map<string, MeasurementState>();
  const key = (stack: string, scenario: string) => `${stack}\u0000${scenario}`;
  for (const scenario of opts.scenarios) {
    for (const stack of opts.stacks) {
      const st: MeasurementState = { stack, scenario, plan: plans.get(scenario.id)!, status: "pending", points: new Map(), repsDone: 0, startedAt: null };
      if (!stack.runnable) Object.assign(st, { status: "skipped", reason: `stack cannot run here: ${stack.reason}` });
      else if (!supportsScenario(stack.manifest, scenario.id)) Object.assign(st, { status: "skipped", reason: `${stack.id}'s stack.json does not list scenario ${scenario.id}` });
      states.set(key(stack.id, scenario.id), st);
    }
  }

  const stackRecords: RunStackRecord[] = opts.stacks.map((s) => ({
    id: s.id,
    displayName: s.manifest.displayName,
    runtime: s.manifest.runtime,
    protocol: s.manifest.protocol,
    approach: s.manifest.approach,
    version: s.version,
    packages: packageVersions(s.dir),
    verification: null,
  }));
  const run: RunRecord = {
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
      reps: opts.reps,
      stacks: opts.stacks.map((s) => s.id),
      scenarios: opts.scenarios.map((s) => s.id),
      scenarioParams: Object.fromEntries([...plans].map(([id, p]) => [id, { params: p.params, points: p.points.map((pt) => ({ key: pt.key, ...pt.params })) }])),
      verifyLevel: "none",
      repetitions: { minReps: opts.reps, maxReps: opts.reps, targetCiHalfWidthRel: 0, budgetMs: null },
    },
    measurements: [...states.values()].map((s) => measurementFileName(s.stack.id, s.scenario.id)),
    timing: null,
  };
  const writeRun = () => writeJsonAtomic(join(opts.outDir, RUN_FILE), run);
  const writeState = (s: MeasurementState, partial = false) =>
    writeJsonAtomic(join(opts.outDir, measurementFileName(s.stack.id, s.scenario.id)), toRecord(opts.runId, opts.profile, driverFor(s.stack), s, partial));
  writeRun();

  // Aborting kills the current server and every load worker so the pending await settles quickly.
  let current: LaunchedServer | null = null;
  const onAbort = () => {
    void current?.stop(200);
    killDescendants("SIGKILL");
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const aborted = () => opts.signal?.aborted === true;
  // Settles (rejects) on abort, so an interrupted verification or window is not waited for.
  const abortedP = new Promise<never>((_, rej) => {
    if (aborted()) rej(new Error("interrupted"));
    opts.signal?.addEventListener("abort", () => rej(new Error("interrupted")), { once: true });
  });
  abortedP.catch(() => {});

  try {
    // 1. Verification: a stack that fails is invalid for every scenario and never timed.
    if (opts.verify) {
      for (const [i, stack] of opts.stacks.entries()) {
        if (aborted()) break;
        if (!stack.runnable) continue;
        emit({ type: "verify-start", stack: stack.id });
        let outcome: VerifyOutcome;
        try {
          outcome = await Promise.race([opts.verify(stack), abortedP]);
        } catch (e) {
          outcome = { ok: false, level: "unknown", failures: [`verification crashed: ${(e as Error).message}`] };
        }
        if (aborted()) break;
        emit({ type: "verify-done", stack: stack.id, outcome });
        stackRecords[i]!.verification = { ok: outcome.ok, level: outcome.level, failures: outcome.failures };
        run.config.verifyLevel = outcome.level;
        if (!outcome.ok) {
          for (const s of states.values()) {
            if (s.stack.id === stack.id && s.status === "pending") {
              s.status = "invalid";
              s.reason = `failed verification (${outcome.level}): ${outcome.failures.join("; ")}`;
            }
          }
        }
      }
      writeRun();
    }

    // 2. Timing: scenario-major so stacks in one scenario are measured close together; stack order rotated per rep.
    const total = [...states.values()].filter((s) => s.status === "pending").reduce((a, s) => a + s.plan.points.length * opts.reps, 0);
    let estimatedTotalMs = [...states.values()].filter((s) => s.status === "pending").reduce((a, s) => a + estimateScenarioMs(s.plan) * opts.reps, 0);
    let done = 0;
    let estimatedDoneMs = 0;
    const t0 = Date.now();
    outer: for (const scenario of opts.scenarios) {
      const plan = plans.get(scenario.id)!;
      for (let rep = 0; rep < opts.reps; rep++) {
        for (const stack of rotate(opts.stacks, rep)) {
          if (aborted()) break outer;
          const s = states.get(key(stack.id, scenario.id))!;
          if (s.status !== "pending") continue;
          s.startedAt ??= new Date().toISOString();
          let server: LaunchedServer | null = null;
          try {
            server = await launchServer(stack, {
              ...(opts.pinning ? { cpus: opts.pinning.serverList } : {}),
            });
            current = server;
            estimatedDoneMs += ESTIMATED_SERVER_START_MS;
            for (const point of plan.points) {
              if (aborted()) break;
              const elapsed = Date.now() - t0;
              const rate = estimatedDoneMs > 0 ? elapsed / estimatedDoneMs : 1;
              emit({
                type: "point-start",
                scenario: scenario.id,
                stack: stack.id,
                rep,
                reps: opts.reps,
                point: point.key,
                done,
                total,
                etaMs: Math.max(0, (estimatedTotalMs - estimatedDoneMs) * rate),
              });
              const measured = measurePoint(point, {
                scenario,
                server,
                protocol: stack.manifest.protocol,
                driver: driverFor(stack),
                serverCpus: opts.pinning?.serverCpus ?? [],
                clientCpus: opts.pinning?.clientList,
                clientCoreList: opts.pinning?.clientCpus ?? [],
                rep,
                runLoad: opts.runLoad,
              });
              measured.catch(() => {});
              const { record, outcome } = await Promise.race([measured, abortedP]);
              if (aborted()) break; // the window was cut short by the interruption: discard it
              const exitedEarly = await Promise.race([server.exited.then(() => true), Promise.resolve(false)]);
              if (exitedEarly) record.errors.push(`server exited during the window: ${server.stderrTail().split("\n").slice(-3).join(" | ")}`);
              let ps = s.points.get(point.key);
              if (!ps) s.points.set(point.key, (ps = { params: point.params, reps: [], saturated: false }));
              ps.reps.push(record);
              done++;
              estimatedDoneMs += estimatePointMs(point);
              const m = scenario.metric(point);
              emit({ type: "point-done", scenario: scenario.id, stack: stack.id, rep, point: point.key, record, headline: headlineOf(scenario, point, record), unit: m.unit });
              if (exitedEarly) throw new Error(`${stack.id} exited during ${scenario.id} ${point.key}`);
              if (scenario.saturated?.(outcome)) {
                ps.saturated = true;
                const skipped = plan.points.slice(plan.points.indexOf(point) + 1);
                done += skipped.length;
                estimatedTotalMs -= skipped.reduce((a, p) => a + estimatePointMs(p), 0);
                break;
              }
            }
            if (!aborted()) s.repsDone++;
          } catch (e) {
            if (aborted()) break outer;
            const message = (e as Error).message;
            s.status = "errored";
            s.reason = `repetition ${rep}: ${message}`;
            emit({ type: "measurement-error", scenario: scenario.id, stack: stack.id, rep, message });
          } finally {
            current = null;
            await server?.stop(aborted() ? 200 : SERVER_STOP_GRACE_MS);
          }
          writeState(s, aborted());
        }
      }
    }
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    killAllServers();
    const interrupted = aborted();
    if (interrupted) {
      killDescendants("SIGKILL");
      emit({ type: "interrupted" });
    }
    for (const s of states.values()) {
      if (interrupted && s.status === "pending" && s.points.size === 0) s.reason = "run interrupted before this measurement";
      writeState(s, interrupted && s.repsDone < opts.reps && s.points.size > 0);
    }
    run.status = interrupted ? "interrupted" : "complete";
    run.finishedAt = new Date().toISOString();
    writeRun();
  }
  const measurements = [...states.values()].map((s) => toRecord(opts.runId, opts.profile, driverFor(s.stack), s, aborted() && s.repsDone < opts.reps && s.points.size > 0));
  return { dir: opts.outDir, run, measurements };
}
