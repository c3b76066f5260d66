// What a scenario module exports: id, description, parameters per profile, its points and its postcondition.
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import type { LaunchedServer, LaunchOptions, RestartOptions, ServerRestart } from "@wsarena/stacks";
import type { StackManifest } from "@wsarena/protocol/manifest";
import type { AnyScenarioDetails, PointKind, ParamsRecord, RepetitionRecord, ServerStatsRecord, ServerUsage, ValidityFlag } from "@wsarena/results";

/** Run profiles, shortest first. */
export const PROFILES = ["quick", "standard", "full"] as const;
/** A run profile: how long and how many points each scenario measures. */
export type Profile = (typeof PROFILES)[number];

/** Warm-up and measured window of every point of a profile. */
export interface Timing {
  warmupMs: number;
  durationMs: number;
}

/**
 * Default warm-up and window per profile (a scenario may override them). Sized for the time budgets on a 2-core machine
 * (quick ≤ 4 min, standard ≤ 45 min for six stacks; see PROFILE_REPETITIONS), where each point also costs worker
 * start, connect and drain outside its window. Standard uses longer windows, as issue 9 asks (after criterion.rs); the
 * budget allows it. Whether they lower the spread between repetitions on a shared VM is not shown: there, other work
 * moves the means between runs more than a window length can average out.
 */
export const PROFILE_TIMING: Readonly<Record<Profile, Timing>> = Object.freeze({
  quick: { warmupMs: 200, durationMs: 500 },
  standard: { warmupMs: 500, durationMs: 3000 },
  full: { warmupMs: 1000, durationMs: 5000 },
});

/** The load options a scenario point sets; the runner adds url, protocol, driver, pinning and the time bound (workers: default one per client cpu). */
export type PointLoad = Omit<LoadOptions, "url" | "protocol" | "driver" | "clientCpus" | "timeoutMs">;

/** One measured parameter point of a scenario. */
export interface ScenarioPoint {
  /** Short label unique within the scenario, e.g. "1024B-binary". */
  key: string;
  /** Parameters recorded with the point. */
  params: ParamsRecord;
  /** Throughput points should saturate a side; latency/connection points run at a fixed load (see computeFlags). */
  kind: PointKind;
  /** Load generator options of the point. */
  load: PointLoad;
  /**
   * Server environment of the point (e.g. WSARENA_BACKPRESSURE); absent = the server's defaults. The runner relaunches
   * the server before a point whose serverEnv differs from the running server's (see sameServerEnv in repetition-server.ts).
   */
  serverEnv?: Record<string, string>;
}

/** A scenario resolved for one profile. */
export interface ScenarioPlan {
  /** Scenario-wide parameters recorded in result files. */
  params: ParamsRecord;
  /** Points in run order. */
  points: ScenarioPoint[];
}

/** Headline figure of a point. */
export interface Metric {
  /** Field name, e.g. "msgsPerSec". */
  name: string;
  /** Unit shown in tables. */
  unit: string;
  better: "higher" | "lower";
}

/** What a postcondition sees after a measured window. */
export interface WindowOutcome {
  point: ScenarioPoint;
  /** The measured window (a scenario's own run returns its details with it; read them with detailsOf). */
  result: ScenarioWindow;
  /** /stats before the load (warm-up included) and after it; null when unavailable. */
  statsBefore: ServerStatsRecord | null;
  statsAfter: ServerStatsRecord | null;
  /** Server usage over the measured window, or null. */
  server: ServerUsage | null;
}

/** What a scenario's own `run` gets: the launched server, pinning, and the load generator for the parts it can use. */
export interface ScenarioRunContext {
  /** The server of this repetition (fresh per repetition); replaced by the new one after `restartServer`. */
  server: LaunchedServer;
  /**
   * Kills the repetition's server (`signal`), waits `downMs` and starts the same stack on the same host:port with the
   * same pinning and environment; the runner's sampler follows the new pid and the runner stops the new server at the
   * end of the repetition. /stats counters restart with the process, so the window's statsDelta is null after a restart.
   */
  restartServer(r: RestartOptions): Promise<ServerRestart>;
  protocol: "ws" | "socket.io";
  driver: LoadOptions["driver"];
  /** Server cpus as numbers (empty = not pinned). */
  serverCpus: readonly number[];
  /** taskset list of the client, or undefined = not pinned. */
  clientCpus: string | undefined;
  /** The loadgen with the point's options completed (url, protocol, driver, pinning, time bound); `target` = another server from launchServer (default `server`). */
  runLoad(load: PointLoad, target?: LaunchedServer): Promise<LoadResult>;
  /** Aborted on Ctrl-C / SIGTERM: stop early and return what was measured. */
  signal?: AbortSignal;
  /**
   * Launches another server of this stack, pinned like `server` unless `cpus` is given, with the scenario's and the
   * point's serverEnv plus `env` (e.g. WSARENA_PING_INTERVAL_S, WSARENA_BROKER); killed at exit like every server, but
   * `run` stops what it starts. The runner samples only `server`, over the returned window. Absent where the runner
   * cannot launch (a bare measurePoint without it).
   */
  launchServer?(opts?: Pick<LaunchOptions, "env" | "cpus">): Promise<LaunchedServer>;
}

/** A window measured by a scenario's own `run`: a LoadResult (see emptyLoadResult) plus scenario-specific details. */
export type ScenarioWindow = LoadResult & {
  /** Scenario-specific figures stored in the repetition's `details` (their zod schema: @wsarena/results details/<scenario>.ts). */
  details?: AnyScenarioDetails;
  /** Validity flags only the scenario can tell (e.g. soak's suspected-leak, a cluster's shared-core), added to the window's computed flags. */
  flags?: ValidityFlag[];
};

/** A scenario module (harness/runner/src/scenarios/<id>.ts). */
export interface Scenario {
  /** Scenario id (kebab-case, equal to the file name; its group is SCENARIO_GROUP[id] in @wsarena/results). */
  id: string;
  /** One line on what it measures. */
  description: string;
  /** Headline figure of a point, and how to read it from a window. */
  metric(point: ScenarioPoint): Metric;
  /** The headline value of one repetition (NaN when the window has none, e.g. no latency recorded). */
  value(point: ScenarioPoint, rep: RepetitionRecord): number;
  /** Parameters and points for a profile. */
  plan(profile: Profile): ScenarioPlan;
  /** Failed checks after a measured window (empty = postcondition holds). */
  postcondition(outcome: WindowOutcome): string[];
  /** Ladders: true when the server could not keep up with this point, so later (heavier) points are not run. */
  saturated?(outcome: WindowOutcome): boolean;
  /** Extra environment of the servers this scenario measures (e.g. WSARENA_GC_ENDPOINT=1); absent = none. */
  serverEnv?: Readonly<Record<string, string>>;
  /**
   * Measures a point itself instead of one runLoad call (failure scenarios, HTTP, clusters). Sampling, /stats, the
   * floor, the quiet gate, postcondition and flags stay with the runner, over [windowStartMs, windowEndMs] it returns.
   */
  run?(point: ScenarioPoint, ctx: ScenarioRunContext): Promise<ScenarioWindow>;
  /** Why `manifest` cannot run this scenario beyond its stack.json `scenarios` list (e.g. no broker), or null when it can. */
  unsupported?(manifest: StackManifest): string | null;
  /** The plan's points `manifest` can run (e.g. only the brokers it lists); absent = every point. */
  pointsFor?(plan: ScenarioPlan, manifest: StackManifest): ScenarioPoint[];
}

/** Whether `manifest` supports `scenarioId` (manifests without a scenarios list support all). */
export function supportsScenario(manifest: Pick<StackManifest, "scenarios">, scenarioId: string): boolean {
  return !manifest.scenarios || manifest.scenarios.includes(scenarioId);
}
