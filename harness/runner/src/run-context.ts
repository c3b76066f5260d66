// What one runMatrix call shares between its steps: the run's options, the state of every (stack, scenario)
// measurement, and the abort plumbing.
import type { DriverId, LoadShape } from "@wsarena/loadgen";
import type { DiscoveredStack, LaunchedServer } from "@wsarena/stacks";
import { type FloorProbes, type Pinning, killDescendants } from "@wsarena/host";
import type { Criterion, KneeRecord, MeasurementRecord, MeasurementStatus, PointRecord, RepetitionRecord, RunRecord, RunStackRecord } from "@wsarena/results";
import type { RunLoadFn } from "./measure.ts";
import type { EndReason, RepetitionPolicy } from "./repetitions.ts";
import type { Progress, RunEvent } from "./progress.ts";
import type { Profile, Scenario, ScenarioPlan } from "./scenarios/types.ts";

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
  /** Load shape of every open-loop echo point (mode echo-open); default DEFAULT_RUN_LOAD_SHAPE. */
  loadShape?: LoadShape;
  /** Clock (ms) for the budget and run.timing; injectable so tests can make repetitions "take" time. Default Date.now. */
  now?: () => number;
  /** SLO that rate ladders judge their knee by (--slo, parsed with parseSlo); default DEFAULT_SLO. */
  slo?: readonly Criterion[];
}

/** Load shape of open-loop echo points when a run does not choose one (loadgen's default; see DEFAULT_LOAD_SHAPE there). */
export const DEFAULT_RUN_LOAD_SHAPE: LoadShape = "pipelined";

/** The load shape a run's open-loop echo points send with. */
export function loadShapeOfRun(opts: Pick<RunOptions, "loadShape">): LoadShape {
  return opts.loadShape ?? DEFAULT_RUN_LOAD_SHAPE;
}

/** What runMatrix returns. */
export interface RunOutcome {
  dir: string;
  run: RunRecord;
  measurements: MeasurementRecord[];
}

/** The repetitions of one point of a measurement so far. */
export interface PointState {
  params: PointRecord["params"];
  reps: RepetitionRecord[];
  saturated: boolean;
}

/** One (stack, scenario) measurement while the run goes on; its measurement file is built from it. */
export interface MeasurementState {
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
  /** Rate ladders (hasKnee): the knee of every finished repetition so far. */
  knee?: KneeRecord;
}

/** Everything one runMatrix call shares between its steps. */
export interface RunContext {
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

/** Abort plumbing: the current server is stopped and every load worker killed so a pending await settles quickly. */
export interface AbortGuard {
  aborted: () => boolean;
  /** Rejects on abort, so an interrupted verification or window is not waited for. */
  abortedP: Promise<never>;
  setCurrent: (s: LaunchedServer | null) => void;
  dispose: () => void;
}

/** Key of a measurement in RunContext.states. */
export const stateKey = (stack: string, scenario: string) => `${stack}\u0000${scenario}`;

/** The abort guard of a run's signal (a run without one is never aborted). */
export function createAbortGuard(signal: AbortSignal | undefined): AbortGuard {
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
