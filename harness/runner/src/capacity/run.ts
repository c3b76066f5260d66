// `wsarena capacity`: per stack, a fresh pinned server and a ladder of concurrent users, each step measured like a
// `wsarena run` window (measurePoint: /stats, /proc sampling, floor, flags) and checked against the criteria.
import { join } from "node:path";
import { runLoadGroup as defaultRunLoadGroup } from "@wsarena/loadgen";
import { type DiscoveredStack, REPO_ROOT, launchServer, type LaunchedServer } from "@wsarena/stacks";
import { gitState, machineInfo, runtimeVersions } from "../env.ts";
import {
  writeJsonAtomic,
  SCHEMA_VERSION,
  type Criterion,
  CAPACITY_FILE,
  type CapacityRecord,
  type CapacityStackRecord,
  capacityLimitText,
} from "@wsarena/results";
import { readMachineLimits, startFloorProbes, type FloorProbes, type Pinning } from "@wsarena/host";
import { stackRecordOf } from "../matrix.ts";
import { BISECT_MAX_RATIO, BISECT_MAX_STEPS, bracket, largestPassing, nextLevel, type LevelOutcome } from "./ladder.ts";
import { userLimit, type CapacityLimitsReader } from "./limits.ts";
import { capacityProgress, type CapacityProgress } from "./progress.ts";
import type { ProgressMark } from "../progress.ts";
import { USER_PROFILES, type CapacityProfile, type StepTiming } from "./profiles.ts";
import { CAPACITY_DRIVER, formatStepLine, measureStep, unmeasuredStep, type RunLoadGroupFn } from "./step.ts";

// The step's public names stay importable from here (the package index and knee.ts import them from run.ts).
export {
  CAPACITY_DRIVER,
  NOISE_FOREIGN_PCT,
  formatStepLine,
  mergeStepLoads,
  stepErrors,
  stepMeasures,
  unmeasuredStep,
  type RunLoadGroupFn,
} from "./step.ts";

/** Options of runCapacity; never mutated. */
export interface CapacityOptions {
  runId: string;
  outDir: string;
  stacks: readonly DiscoveredStack[];
  profile: CapacityProfile;
  /** --users: the level whose verdict is asked for, or null. */
  users: number | null;
  criteria: readonly Criterion[];
  /** Ladder steps, ascending (planSteps: --users included). */
  steps: readonly number[];
  timing: StepTiming;
  /** Server and client cpus, or null = not pinned (tests only: verdicts need pinning). */
  pinning: Pinning | null;
  /** Hiccup probes on the pinned cores (floor of each step); default true. */
  floor?: boolean;
  /** Quiet-machine gate before each step; default true when pinned. */
  quietGate?: boolean;
  runLoadGroup?: RunLoadGroupFn;
  /** Reads the OS limits once each stack's server is up (default readMachineLimits; injectable for tests). */
  readLimits?: CapacityLimitsReader;
  /** One progress line per event (stack start, each step, verdict), with how far the whole capacity run has got. */
  onProgress?: (line: string, progress: ProgressMark) => void;
  /** What is measured now (a step starting), for a live status line: called before each step's window. */
  onStatus?: (status: string, progress: ProgressMark) => void;
  signal?: AbortSignal;
}

/** A step that did not pass is measured again (fresh server) while the machine was noisy, at most this many times in all. */
export const STEP_MAX_ATTEMPTS = 3;
/** Fills the stack's verdict for --users and its largest passing level from its steps. */
export function concludeStack(r: CapacityStackRecord, users: number | null): void {
  const outcomes: LevelOutcome[] = r.steps.map((s) => ({ users: s.users, phase: s.phase, pass: s.verdict === "pass", beyondLimit: s.verdict === "limit" }));
  const best = largestPassing(outcomes);
  r.largestPassingUsers = best?.users ?? null;
  r.largestPassingIsLowerBound = best?.atLeast ?? false;
  const at = users === null ? undefined : [...r.steps].reverse().find((s) => s.users === users);
  r.verdict =
    users === null ? null : !at ? "unknown" : at.verdict === "pass" ? "yes" : at.verdict === "fail" ? "no" : at.verdict === "limit" ? "limit" : "unknown";
  r.verdictFailures = at?.failures ?? [];
}

/** The progress line of a stack's outcome: its largest passing level (and the limit that stopped it), the verdict for --users. */
export function conclusionLine(r: CapacityStackRecord, users: number | null): string {
  const atLimit = r.limit && r.steps.some((s) => s.verdict === "limit" && s.error === null);
  const best =
    r.largestPassingUsers === null
      ? "none"
      : `${r.largestPassingIsLowerBound ? "≥ " : ""}${r.largestPassingUsers} users${atLimit ? ` (${capacityLimitText(r.limit!)})` : ""}`;
  const verdict =
    users === null
      ? ""
      : `; ${users} users: ${r.verdict}${r.verdictFailures.length ? ` (${r.verdictFailures.map((f) => `${f.criterion}: ${f.measuredText}`).join(", ")})` : ""}`;
  return `capacity ${r.stack}: largest passing level ${best}${verdict}${r.error ? `; ${r.error}` : ""}`;
}

/** Runs the ladder on every stack in turn and writes capacity.json after every step. */
export async function runCapacity(o: CapacityOptions): Promise<CapacityRecord> {
  const profile = USER_PROFILES[o.profile];
  const runGroup = o.runLoadGroup ?? defaultRunLoadGroup;
  const stepMs = o.timing.warmupMs + o.timing.durationMs;
  const progress = capacityProgress({ stacks: o.stacks.length, steps: o.steps, users: o.users, granularity: profile.granularity, stepMs });
  const log = (line: string) => o.onProgress?.(line, progress.mark());
  const record: CapacityRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: "capacity",
    runId: o.runId,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    status: "running",
    git: gitState(REPO_ROOT),
    machine: machineInfo(),
    runtimes: runtimeVersions([...o.stacks]),
    stacks: o.stacks.map(stackRecordOf),
    pinning: { serverCpus: o.pinning?.serverList ?? null, clientCpus: o.pinning?.clientList ?? null },
    config: {
      profile: o.profile,
      profileDescription: profile.description,
      connectionsPerUser: profile.connectionsPerUser,
      users: o.users,
      criteria: o.criteria.map((c) => c.text),
      steps: [...o.steps],
      bisectMaxRatio: BISECT_MAX_RATIO,
      bisectMaxSteps: BISECT_MAX_STEPS,
      warmupMs: o.timing.warmupMs,
      stepMs: o.timing.durationMs,
      driver: CAPACITY_DRIVER,
    },
    results: [],
  };
  const write = () => writeJsonAtomic(join(o.outDir, CAPACITY_FILE), record);
  write();
  let probes: FloorProbes | null = null;
  try {
    if (o.pinning && o.floor !== false) {
      probes = await startFloorProbes([
        ...o.pinning.serverCpus.map((cpu) => ({ cpu, role: "server" as const })),
        ...o.pinning.clientCpus.map((cpu) => ({ cpu, role: "client" as const })),
      ]);
    }
    for (const stack of o.stacks) {
      if (o.signal?.aborted) break;
      const r: CapacityStackRecord = {
        stack: stack.id,
        version: null,
        verdict: null,
        verdictFailures: [],
        largestPassingUsers: null,
        largestPassingIsLowerBound: false,
        steps: [],
        limit: null,
        error: null,
      };
      record.results.push(r);
      progress.startStack();
      await ladderOfStack(o, stack, r, { probes, runGroup, log, write, progress });
      progress.endStack();
      concludeStack(r, o.users);
      write();
      log(conclusionLine(r, o.users));
    }
  } finally {
    await probes?.stop();
    record.status = o.signal?.aborted ? "interrupted" : "complete";
    record.finishedAt = new Date().toISOString();
    write();
  }
  return record;
}

/** What the ladder of one stack shares with the run. */
interface LadderRun {
  probes: FloorProbes | null;
  runGroup: RunLoadGroupFn;
  /** A progress line (the run adds where it stands). */
  log: (line: string) => void;
  write: () => void;
  progress: CapacityProgress;
}

/** The ladder of one stack on one fresh pinned server (restarted after a step that did not pass, or if it died). */
async function ladderOfStack(o: CapacityOptions, stack: DiscoveredStack, r: CapacityStackRecord, run: LadderRun): Promise<void> {
  const { probes, runGroup, log, write, progress } = run;
  const profile = USER_PROFILES[o.profile];
  let dead = false;
  const launch = async (): Promise<LaunchedServer> => {
    const s = await launchServer(stack, o.pinning ? { cpus: o.pinning.serverList } : {});
    dead = false;
    void s.exited.then(() => (dead = true));
    return s;
  };
  let server: LaunchedServer | null = null;
  try {
    server = await launch();
    r.version = server.version;
    // The server's own open-file limit counts too: read once it runs.
    const limits = (o.readLimits ?? readMachineLimits)(server.pid);
    r.limit = userLimit(limits, profile.connectionsPerUser, profile.granularity);
    let maxUsers = r.limit?.users ?? Infinity;
    const done: LevelOutcome[] = [];
    progress.replan(done, { granularity: profile.granularity, maxUsers }); // the limit may cut the plan short
    log(
      `capacity ${stack.id}: server ${server.version} pid ${server.pid}${o.pinning ? ` on cpu ${o.pinning.serverList}, load on cpu ${o.pinning.clientList}` : ""}; profile ${o.profile}: ${profile.description}`,
    );
    if (r.limit) log(`capacity ${stack.id}: at most ${r.limit.users} users on this machine (${capacityLimitText(r.limit)})`);
    for (let n = 1; !o.signal?.aborted; n++) {
      const next = nextLevel(o.steps, done, o.users, { granularity: profile.granularity, maxUsers });
      if (!next) break;
      o.onStatus?.(`capacity ${stack.id}: step ${n} (${next.phase}) ${next.users} users`, progress.mark());
      let step = next.beyondLimit
        ? unmeasuredStep({ users: next.users, phase: next.phase, connections: next.users * profile.connectionsPerUser }, "limit", null)
        : await measureStep(o, stack, server, next, limits, probes, runGroup);
      // Other work on the pinned cores (a shared machine) can fail a step that the server would pass: measure it again.
      for (let attempt = 2; step.verdict === "noisy" && attempt <= STEP_MAX_ATTEMPTS && !o.signal?.aborted; attempt++) {
        log(`${formatStepLine(stack.id, n, step)}; other work ran on the pinned cores, measuring again (attempt ${attempt} of ${STEP_MAX_ATTEMPTS})`);
        await server.stop();
        server = await launch();
        step = { ...(await measureStep(o, stack, server, next, limits, probes, runGroup)), attempts: attempt };
      }
      // Ctrl-C / SIGTERM during the step also stopped its load workers: what it measured is the interruption, not the server.
      if (o.signal?.aborted) {
        log(`capacity ${stack.id}: step ${n} (${step.users} users) interrupted; not recorded`);
        break;
      }
      // A measured step that ran out of an OS resource the limits did not foresee: the ladder stops below it.
      if (step.verdict === "limit" && !next.beyondLimit) maxUsers = Math.min(maxUsers, bracket(done).lo);
      r.steps.push(step);
      done.push({ users: step.users, phase: step.phase, pass: step.verdict === "pass", beyondLimit: step.verdict === "limit" });
      progress.replan(done, { granularity: profile.granularity, maxUsers });
      concludeStack(r, o.users);
      write();
      log(formatStepLine(stack.id, n, step, r.limit));
      // A step that did not pass may leave backlog, dropped state or a dead server behind: the next step gets a fresh one.
      if ((step.verdict !== "pass" && !next.beyondLimit) || dead) {
        await server.stop();
        server = await launch();
      }
    }
  } catch (e) {
    r.error = `${stack.id} could not be measured: ${(e as Error).message.split("\n")[0]}`;
  } finally {
    await server?.stop();
  }
}
