// Runs the stack × scenario matrix: verify, then per scenario rounds of repetitions (stacks interleaved, order rotated,
// adaptive count), and writes the result set as it goes.
import { join } from "node:path";
import type { DriverId } from "@wsarena/loadgen";
import { REPO_ROOT, type DiscoveredStack, freePort, killAllServers, launchServer, restartServer, type LaunchOptions, type LaunchedServer, type ServerExit } from "@wsarena/stacks";
import { clientPackageVersions, gitState, machineInfo, packageVersions, runtimeVersions } from "./env.ts";
import { describe, unionFlags, varianceFlags, writeJsonAtomic } from "@wsarena/results";
import { classifyOutliers } from "@wsarena/stats";
import { startFloorProbes, type FloorProbes, type Pinning, killDescendants } from "@wsarena/host";
import { measurePoint, type RunLoadFn } from "./measure.ts";
import { endReason, pointStop, scenarioBudgetMs, type EndReason, type PointProgress, type RepetitionPolicy } from "./repetitions.ts";
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
  type VariantRecord,
} from "@wsarena/results";
import { supportsScenario, type Profile, type Scenario, type ScenarioPlan, type ScenarioPoint } from "./scenarios/types.ts";

/** Driver per stack protocol unless overridden: the frame-level client speaks plain WebSocket and Engine.IO/socket.io
 * framing, and out-runs the socket.io client library by ~3x on one core (measured here), so it drives both. */
export const DEFAULT_DRIVERS: Readonly<Record<"ws" | "socket.io", DriverId>> = { ws: "frame", "socket.io": "frame" };
/** Grace between SIGTERM and SIGKILL when a server is stopped after its scenario. */
export const SERVER_STOP_GRACE_MS = 3_000;
/**
 * Estimated fixed cost of a point on top of warm-up + window + hold, for the ETA and the budget split. Measured here
 * (quick points against uws, 2026-12-02): load worker spawn with tsx ~0.4 s, driver import and connect ~0.4 s, the
 * 100 ms start margin, drain and worker exit 40–190 ms, the runner's own /stats and sampler ~10 ms.
 */
export const ESTIMATED_POINT_OVERHEAD_MS = 1_000;
/** Lines of a crashed server's stderr kept in its measurement file (serverExit.stderrTail). */
export const SERVER_STDERR_TAIL_LINES = 10;
/** How long an errored repetition waits for the server's exit to be seen (a crash can fail the load first). */
export const SERVER_EXIT_WAIT_MS = 500;
/** Estimated cost of starting and stopping a server, for the ETA (measured 0.43–0.80 s to healthy, ~65 ms to stop). */
export const ESTIMATED_SERVER_START_MS = 600;

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

/** Options of runMatrix; never mutated. */
export interface RunOptions {
  runId: string;
  /** Result set folder (created). */
  outDir: string;
  /** Stacks in the order of the first repetition. */
  stacks: readonly DiscoveredStack[];
  scenarios: readonly Scenario[];
  profile: Profile;
  /** How many repetitions each measurement gets (fixedRepetitions(n) for a fixed count). */
  repetitions: RepetitionPolicy;
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
  /** Pinned runs: hiccup probes on every pinned core (the floor of each window) and the quiet-machine gate; default true. */
  floor?: boolean;
  /** Clock (ms) for the budget and run.timing; injectable so tests can make repetitions "take" time. Default Date.now. */
  now?: () => number;
}

/** What runMatrix returns. */
export interface RunOutcome {
  dir: string;
  run: RunRecord;
  measurements: MeasurementRecord[];
}

interface PointState {
  params: PointRecord["params"];
  reps: RepetitionRecord[];
  saturated: boolean;
}

interface MeasurementState {
  stack: DiscoveredStack;
  scenario: Scenario;
  plan: ScenarioPlan;
  status: MeasurementStatus | "pending";
  reason?: string;
  points: Map<string, PointState>;
  /** Repetitions started (the next repetition's index). */
  repsStarted: number;
  /** Repetitions completed (every point that ran). */
  repsDone: number;
  /** Wall time of the completed repetitions, ms (server start to stop): predicts the next one for the budget. */
  repsMs: number;
  /** Why no further repetition is taken; null while more may come. */
  end: EndReason | null;
  startedAt: string | null;
  /** Set when the server exited during a repetition (the measurement is errored). */
  serverExit?: NonNullable<MeasurementRecord["serverExit"]>;
}

/** Everything one runMatrix call shares between its steps. */
interface RunContext {
  opts: RunOptions;
  policy: RepetitionPolicy;
  now: () => number;
  emit: (e: RunEvent) => void;
  driverFor: (s: DiscoveredStack) => DriverId;
  plans: Map<string, ScenarioPlan>;
  states: Map<string, MeasurementState>;
  run: RunRecord;
  stackRecords: RunStackRecord[];
  writeRun: () => void;
  writeState: (s: MeasurementState, partial?: boolean) => void;
  abort: AbortGuard;
  progress: Progress;
  /** Hiccup probes of the pinned cores for the whole run (started after verification), or null. */
  probes: FloorProbes | null;
  /** Sums for run.timing. */
  inWindowMs: number;
  quietWaitMs: number;
}

/** Progress counters for the point-start events. */
interface Progress {
  done: number;
  total: number;
  estimatedTotalMs: number;
  estimatedDoneMs: number;
  /** Start of the timing phase (ctx.now()), or null before it. */
  t0: number | null;
}

/** Abort plumbing: the current server is stopped and every load worker killed so a pending await settles quickly. */
interface AbortGuard {
  aborted: () => boolean;
  /** Rejects on abort, so an interrupted verification or window is not waited for. */
  abortedP: Promise<never>;
  setCurrent: (s: LaunchedServer | null) => void;
  dispose: () => void;
}

const stateKey = (stack: string, scenario: string) => `${stack}\u0000${scenario}`;

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
export function estimateRunRangeMs(scenarios: readonly Scenario[], profile: Profile, stacks: number, policy: RepetitionPolicy): { minMs: number; maxMs: number } {
  const minMs = estimateRunMs(scenarios, profile, stacks, policy.minReps);
  const capMs = estimateRunMs(scenarios, profile, stacks, policy.maxReps);
  return { minMs, maxMs: Math.max(minMs, Math.min(capMs, policy.budgetMs ?? Infinity)) };
}

/** Whether two points' server environments are the same (absent and empty are the same: the server's defaults). */
export function sameServerEnv(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b ?? {}, k) && a![k] === b![k]);
}

/** Headline value of a repetition record. */
export function headlineOf(scenario: Scenario, point: ScenarioPoint, r: RepetitionRecord): number {
  return scenario.value(point, r);
}

/** Headline values and saturation of every point of a state, in ladder order (points not run yet have no values). */
function progressOf(s: MeasurementState): PointProgress[] {
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
function toRecord(runId: string, profile: Profile, driver: string, policy: RepetitionPolicy, s: MeasurementState, partial: boolean): MeasurementRecord {
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
        flags: unionFlags(...st.reps.map((r) => r.flags), varianceFlags(values)),
        ...(st.saturated ? { saturated: true } : {}),
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
    startedAt: s.startedAt,
    updatedAt: new Date().toISOString(),
  };
}

/** Step 1: one state per (stack, scenario); stacks that cannot run or do not list the scenario are skipped up front. */
function buildStates(opts: RunOptions, plans: Map<string, ScenarioPlan>): Map<string, MeasurementState> {
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
      else if (!supportsScenario(stack.manifest, scenario.id)) Object.assign(st, { status: "skipped", reason: `${stack.id}'s stack.json does not list scenario ${scenario.id}` });
      else if (scenario.unsupported?.(stack.manifest)) Object.assign(st, { status: "skipped", reason: `${stack.id}: ${scenario.unsupported(stack.manifest)}` });
      else if (scenario.pointsFor) st.plan = { ...st.plan, points: scenario.pointsFor(st.plan, stack.manifest) };
      states.set(stateKey(stack.id, scenario.id), st);
    }
  }
  return states;
}

/** The run.json record at the start of a run. */
function buildRunRecord(opts: RunOptions, plans: Map<string, ScenarioPlan>, states: Map<string, MeasurementState>, stackRecords: RunStackRecord[]): RunRecord {
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
      scenarioParams: Object.fromEntries([...plans].map(([id, pl]) => [id, { params: pl.params, points: pl.points.map((pt) => ({ key: pt.key, ...pt.params })) }])),
      verifyLevel: "none",
      repetitions: { minReps: p.minReps, maxReps: p.maxReps, targetCiHalfWidthRel: p.fixed ? 0 : p.targetCiHalfWidthRel, budgetMs: p.fixed ? null : p.budgetMs },
    },
    measurements: [...states.values()].map((s) => measurementFileName(s.stack.id, s.scenario.id)),
    timing: null,
  };
}

function createAbortGuard(signal: AbortSignal | undefined): AbortGuard {
  let current: LaunchedServer | null = null;
  const onAbort = () => {
    void current?.stop(200);
    killDescendants("SIGKILL");
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const aborted = () => signal?.aborted === true;
  const abortedP = new Promise<never>((_, rej) => {
    if (aborted()) rej(new Error("interrupted"));
    signal?.addEventListener("abort", () => rej(new Error("interrupted")), { once: true });
  });
  abortedP.catch(() => {});
  return { aborted, abortedP, setCurrent: (s) => (current = s), dispose: () => signal?.removeEventListener("abort", onAbort) };
}

/** Step 2: verification. A stack that fails is invalid for every scenario and never timed. */
async function verifyStacks(ctx: RunContext): Promise<void> {
  const { opts, abort } = ctx;
  if (!opts.verify) return;
  for (const [i, stack] of opts.stacks.entries()) {
    if (abort.aborted()) break;
    if (!stack.runnable) continue;
    ctx.emit({ type: "verify-start", stack: stack.id });
    let outcome: VerifyOutcome;
    try {
      outcome = await Promise.race([opts.verify(stack), abort.abortedP]);
    } catch (e) {
      outcome = { ok: false, level: "unknown", failures: [`verification crashed: ${(e as Error).message}`] };
    }
    if (abort.aborted()) break;
    ctx.emit({ type: "verify-done", stack: stack.id, outcome });
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

/** Time left for the planned work and its upper bound, for point-start events. */
function eta(ctx: RunContext): { etaMs: number; etaMaxMs: number | null } {
  const { progress: pr, policy } = ctx;
  const elapsed = ctx.now() - (pr.t0 ?? ctx.now());
  const rate = pr.estimatedDoneMs > 0 ? elapsed / pr.estimatedDoneMs : 1;
  const etaMs = Math.max(0, (pr.estimatedTotalMs - pr.estimatedDoneMs) * rate);
  if (policy.fixed) return { etaMs, etaMaxMs: null };
  // Every pending measurement taken to maxReps, at the rate seen so far, and never past the budget.
  let maxMs = 0;
  for (const s of ctx.states.values()) {
    if (s.status !== "pending" || s.end !== null) continue;
    maxMs += estimateScenarioMs(s.plan) * Math.max(0, policy.maxReps - s.repsDone) * rate;
  }
  const budgetLeft = policy.budgetMs === null ? Infinity : Math.max(0, policy.budgetMs - elapsed);
  return { etaMs, etaMaxMs: Math.max(etaMs, Math.min(maxMs, budgetLeft)) };
}

/**
 * Step 3: one repetition of one measurement: a fresh server, every point of the scenario in ladder order (a ladder
 * stops at the first saturated point), then the server is stopped. Errors mark the measurement errored.
 */
async function measureRepetition(ctx: RunContext, s: MeasurementState): Promise<void> {
  const { opts, abort, progress: pr, emit } = ctx;
  const { stack, scenario, plan } = s;
  const rep = s.repsStarted++;
  s.startedAt ??= new Date().toISOString();
  const t0 = ctx.now();
  let server: LaunchedServer | null = null;
  let pointKey = "(start)";
  const pinned = opts.pinning ? { cpus: opts.pinning.serverList } : {};
  // Seen synchronously after each window (a race against an already-settled promise would lose to Promise.resolve).
  let exitedAt: ServerExit | null = null;
  let restarting = false;
  const watch = (started: LaunchedServer): void => {
    exitedAt = null;
    void started.exited.then((e) => {
      if (server === started && !restarting) exitedAt = e;
    });
  };
  let launchOpts: LaunchOptions = { ...pinned };
  // The scenario's server settings, then the point's (e.g. the backpressure policy) on top. A scenario that measures
  // its own window may restart the server: give it an explicit port (see freePort).
  const launch = async (pointEnv: Readonly<Record<string, string>> | undefined): Promise<LaunchedServer> => {
    const env = { ...scenario.serverEnv, ...pointEnv };
    launchOpts = { ...pinned, ...(Object.keys(env).length ? { env } : {}), ...(scenario.run ? { port: await freePort() } : {}) };
    const started = await launchServer(stack, launchOpts);
    server = started;
    watch(started);
    abort.setCurrent(started);
    return started;
  };
  try {
    let serverEnv = plan.points[0]?.serverEnv;
    server = await launch(serverEnv);
    pr.estimatedDoneMs += ESTIMATED_SERVER_START_MS;
    for (const point of plan.points) {
      if (abort.aborted()) break;
      pointKey = point.key;
      if (!sameServerEnv(point.serverEnv, serverEnv)) {
        // A point with other server settings (e.g. the backpressure policy) gets a server started with them.
        abort.setCurrent(null);
        await server.stop(SERVER_STOP_GRACE_MS);
        serverEnv = point.serverEnv;
        server = await launch(serverEnv);
      }
      emit({ type: "point-start", scenario: scenario.id, stack: stack.id, rep, reps: ctx.policy.minReps, maxReps: ctx.policy.maxReps, point: point.key, done: pr.done, total: pr.total, ...eta(ctx) });
      const measured = measurePoint(point, {
        scenario,
        server,
        protocol: stack.manifest.protocol,
        driver: ctx.driverFor(stack),
        ...(stack.variant?.load.deflate ? { deflate: true } : {}),
        serverCpus: opts.pinning?.serverCpus ?? [],
        clientCpus: opts.pinning?.clientList,
        clientCoreList: opts.pinning?.clientCpus ?? [],
        rep,
        runLoad: opts.runLoad,
        probes: ctx.probes,
        quietGate: opts.floor !== false,
        ...(opts.signal ? { signal: opts.signal } : {}),
        launchServer: (o) => launchServer(stack, { ...pinned, ...o, env: { ...scenario.serverEnv, ...point.serverEnv, ...o?.env } }),
        // The restarted server replaces this repetition's: it is the one checked after the window and stopped at the end.
        restartServer: async (r) => {
          restarting = true;
          try {
            const out = await restartServer(stack, server!, launchOpts, r);
            server = out.server;
            watch(out.server);
            abort.setCurrent(out.server);
            return out;
          } finally {
            restarting = false;
          }
        },
      });
      measured.catch(() => {});
      const { record, outcome } = await Promise.race([measured, abort.abortedP]);
      if (abort.aborted()) break; // the window was cut short by the interruption: discard it
      const exitedEarly = exitedAt !== null;
      if (exitedEarly) record.errors.push(`server exited during the window: ${server.stderrTail().split("\n").slice(-3).join(" | ")}`);
      let ps = s.points.get(point.key);
      if (!ps) s.points.set(point.key, (ps = { params: point.params, reps: [], saturated: false }));
      ps.reps.push(record);
      ctx.inWindowMs += record.durationMs;
      ctx.quietWaitMs += record.quietGate?.waitedMs ?? 0;
      pr.done++;
      pr.estimatedDoneMs += estimatePointMs(point);
      emit({ type: "point-done", scenario: scenario.id, stack: stack.id, rep, point: point.key, record, headline: headlineOf(scenario, point, record), unit: scenario.metric(point).unit });
      if (exitedEarly) throw new Error(`${stack.id} exited during ${scenario.id} ${point.key}`);
      if (scenario.saturated?.(outcome)) {
        ps.saturated = true;
        const skipped = plan.points.slice(plan.points.indexOf(point) + 1);
        pr.done += skipped.length;
        pr.estimatedDoneMs += skipped.reduce((a, p) => a + estimatePointMs(p), 0);
        break;
      }
    }
    if (!abort.aborted()) s.repsDone++;
  } catch (e) {
    if (abort.aborted()) return;
    let message = (e as Error).message;
    // A crash often fails the load before the exit is seen: wait for it briefly, then say how the server ended.
    const exit = server ? await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), SERVER_EXIT_WAIT_MS))]) : null;
    if (server && exit) {
      const stderrTail = server.stderrTail().split("\n").filter(Boolean).slice(-SERVER_STDERR_TAIL_LINES);
      s.serverExit = { code: exit.code, signal: exit.signal, stderrTail, rep, point: pointKey };
      const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
      message = `${stack.id} ${how} during ${scenario.id} ${pointKey}${stderrTail.length ? `; last stderr line: ${stderrTail[stderrTail.length - 1]}` : "; no stderr output"} (load: ${message})`;
    }
    s.status = "errored";
    s.reason = `repetition ${rep}: ${message}`;
    emit({ type: "measurement-error", scenario: scenario.id, stack: stack.id, rep, message });
  } finally {
    abort.setCurrent(null);
    await server?.stop(abort.aborted() ? 200 : SERVER_STOP_GRACE_MS);
    s.repsMs += ctx.now() - t0;
  }
  ctx.writeState(s, abort.aborted());
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
  run.timing = { timingPhaseMs: ctx.progress.t0 === null ? 0 : ctx.now() - ctx.progress.t0, inWindowMs: Math.round(ctx.inWindowMs), quietWaitMs: Math.round(ctx.quietWaitMs) };
  ctx.writeRun();
}

/** An interrupted measurement that has some points but did not finish its repetitions. */
function isPartial(ctx: RunContext, s: MeasurementState): boolean {
  return ctx.abort.aborted() && s.end === null && s.status === "pending" && s.points.size > 0;
}

/** Runs the whole matrix, writing run.json and one file per (stack, scenario) atomically as results come in. */
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

export async function runMatrix(opts: RunOptions): Promise<RunOutcome> {
  const plans = new Map(opts.scenarios.map((s) => [s.id, s.plan(opts.profile)]));
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
      ctx.probes = await startFloorProbes([...serverCpus.map((cpu) => ({ cpu, role: "server" as const })), ...clientCpus.map((cpu) => ({ cpu, role: "client" as const }))]);
    }
    await timeMatrix(ctx);
  } finally {
    await finalize(ctx);
  }
  const measurements = [...states.values()].map((s) => record(s, isPartial(ctx, s)));
  return { dir: opts.outDir, run, measurements };
}
