// One capacity step: its loads run as one pseudo-scenario window (measurePoint), turned into a step record with its
// errors, criteria failures and verdict; also the record of a step not measured and its progress line.
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import { encodeHistogram, mergeHistograms, summarize } from "@wsarena/stats";
import type { DiscoveredStack, LaunchedServer } from "@wsarena/stacks";
import {
  detailsOf,
  integrityViolations,
  type CapacityStepDetails,
  type RepetitionRecord,
  checkCriteria,
  type StepMeasures,
  type CapacityStepRecord,
  type CapacityLimit,
  type MachineLimits,
  capacityLimitText,
} from "@wsarena/results";
import { limitOfError, type FloorProbes, QUIET_MAX_FOREIGN_BUSY_PCT } from "@wsarena/host";
import { loadOptionsFor, measurePoint } from "../measure.ts";
import type { PointLoad, Scenario, ScenarioPoint, ScenarioWindow } from "../scenarios/types.ts";
import type { NextLevel } from "./ladder.ts";
import { spreadLoads } from "./limits.ts";
import { USER_PROFILES, type CapacityProfile } from "./profiles.ts";
import type { CapacityOptions } from "./run.ts";

/** What measureStep reads of the capacity options. */
export type StepOptions = Pick<CapacityOptions, "profile" | "timing" | "pinning" | "criteria" | "quietGate" | "signal">;

/** The load generator used for a step (runLoadGroup of @wsarena/loadgen; injectable for tests). */
export type RunLoadGroupFn = (options: LoadOptions[]) => Promise<LoadResult[]>;

/** Driver of capacity loads: the frame driver (the only one that speaks rooms, and the cheapest per connection). */
export const CAPACITY_DRIVER = "frame" as const;

/** Foreign work on the client core above this % (the quiet gate's own threshold) makes a window noisy. */
export const NOISE_FOREIGN_PCT = QUIET_MAX_FOREIGN_BUSY_PCT;

/** Message kind of each load mode in a step's latency breakdown. */
const KIND_OF_MODE: Readonly<Record<string, string>> = { stream: "ticks", "echo-open": "orders", echo: "echoes", pubsub: "room messages" };

/** Sums the loads of one step (run on one schedule) into one window; latency merges every message a user received. */
export function mergeStepLoads(loads: readonly PointLoad[], results: readonly LoadResult[]): ScenarioWindow {
  const first = results[0]!;
  const sum = (f: (r: LoadResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const hist = mergeHistograms(results.map((r) => r.histogram));
  const latencyByKind: CapacityStepDetails["latencyByKind"] = {};
  results.forEach((r, i) => (latencyByKind[KIND_OF_MODE[loads[i]!.mode] ?? loads[i]!.mode] = r.latency));
  const lag = results.find((r) => r.schedulerLagUs)?.schedulerLagUs ?? null;
  const closeCodes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
  const cpuSeconds = sum((r) => r.clientCpu.cpuSeconds);
  return {
    ...first,
    windowStartMs: Math.min(...results.map((r) => r.windowStartMs)),
    windowEndMs: Math.max(...results.map((r) => r.windowEndMs)),
    durationMs: Math.max(...results.map((r) => r.durationMs)),
    msgsPerSec: sum((r) => r.msgsPerSec),
    bytesPerSec: sum((r) => r.bytesPerSec),
    sentPerSec: sum((r) => r.sentPerSec),
    latency: summarize(hist),
    histogram: hist.totalCount > 0 ? encodeHistogram(hist) : null,
    schedulerLagUs: lag,
    schedulerLagHistogram: results.find((r) => r.schedulerLagHistogram)?.schedulerLagHistogram ?? null,
    integrity: {
      sent: sum((r) => r.integrity.sent),
      received: sum((r) => r.integrity.received),
      lost: sum((r) => r.integrity.lost),
      duplicated: sum((r) => r.integrity.duplicated),
      reordered: sum((r) => r.integrity.reordered),
      corrupted: sum((r) => r.integrity.corrupted),
    },
    connect: {
      attempted: sum((r) => r.connect.attempted),
      succeeded: sum((r) => r.connect.succeeded),
      failed: sum((r) => r.connect.failed),
      perSec: sum((r) => r.connect.perSec),
      p50Us: Math.max(...results.map((r) => r.connect.p50Us)),
      p90Us: Math.max(...results.map((r) => r.connect.p90Us)),
      p99Us: Math.max(...results.map((r) => r.connect.p99Us)),
      maxUs: Math.max(...results.map((r) => r.connect.maxUs)),
      errors: [...new Set(results.flatMap((r) => r.connect.errors))].slice(0, 5),
    },
    // Every load's workers share the same client cpus, so their utilisations add up.
    clientCpu: {
      cpus: first.clientCpu.cpus,
      workers: sum((r) => r.clientCpu.workers),
      cpuSeconds,
      utilisation: sum((r) => r.clientCpu.utilisation),
      perWorkerCpuSeconds: results.flatMap((r) => r.clientCpu.perWorkerCpuSeconds),
    },
    msgsPerClientCpuSec: cpuSeconds > 0 ? sum((r) => r.integrity.received) / cpuSeconds : 0,
    errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 20),
    closeCodes,
    details: { latencyByKind },
  };
}

/** The error count of a step and its parts (see capacityStepSchema.errorParts). */
export function stepErrors(rec: RepetitionRecord): CapacityStepRecord["errorParts"] {
  const unexpectedCloses = Object.entries(rec.closeCodes).reduce((a, [code, n]) => a + (code === "1000" ? 0 : n), 0);
  const d = rec.statsDelta;
  return {
    connectFailed: rec.connect.failed,
    unexpectedCloses,
    integrity: integrityViolations(rec.integrity),
    serverDropped: d ? Math.max(0, d.dropped) + Math.max(0, d.closedForBackpressure) : 0,
  };
}

/** Step measures in the criteria's base units. */
export function stepMeasures(rec: RepetitionRecord, errors: number): StepMeasures {
  const l = rec.latency && rec.latency.count > 0 ? rec.latency : null;
  return {
    p50Us: l?.p50Us ?? null,
    p90Us: l?.p90Us ?? null,
    p99Us: l?.p99Us ?? null,
    p999Us: l?.p999Us ?? null,
    errors,
    cpuPct: rec.server?.cpuPct ?? null,
    rssBytes: rec.server?.rssBytesMax ?? null,
  };
}

/** One progress line of a measured step (or of a level beyond the machine's `limit`). */
export function formatStepLine(stack: string, n: number, s: CapacityStepRecord, limit?: CapacityLimit | null): string {
  const ms = (us: number | null | undefined) => (us === null || us === undefined ? "–" : us >= 1000 ? `${+(us / 1000).toFixed(2)}ms` : `${Math.round(us)}us`);
  const mib = s.rssBytes === null ? "–" : `${+(s.rssBytes / 1024 ** 2).toFixed(1)}MiB`;
  const head = `capacity ${stack}: step ${n} (${s.phase}) ${s.users} users (${s.connections} conns)`;
  if (s.verdict === "error") return `${head}: ERROR ${s.error}`;
  if (s.verdict === "limit") return `${head}: LIMIT, not measured: ${s.error ?? (limit ? capacityLimitText(limit) : "beyond the machine's limits")}`;
  const figures = `p50 ${ms(s.latency?.p50Us)} p99 ${ms(s.latency?.p99Us)} errors ${s.errors} cpu ${s.serverCpuPct ?? "–"}% (core ${s.serverCoreBusyPct ?? "–"}%) rss ${mib} client ${s.clientCpuPct}%${s.foreignCpuPct !== null && s.foreignCpuPct > NOISE_FOREIGN_PCT ? ` (foreign ${s.foreignCpuPct}%)` : ""}`;
  const why = s.failures.length ? ` (${s.failures.map((f) => `${f.criterion}: ${f.measuredText}`).join(", ")})` : "";
  const flags = s.flags.length ? ` [${s.flags.join(", ")}]` : "";
  return `${head}: ${figures} → ${s.verdict.toUpperCase()}${why}${flags}`;
}

/** The pseudo-scenario a step is measured as: its own run drives every load of the profile on one schedule. */
function stepScenario(profile: CapacityProfile, loads: readonly PointLoad[], runGroup: RunLoadGroupFn): Scenario {
  return {
    id: `capacity-${profile}`,
    description: USER_PROFILES[profile].description,
    metric: () => ({ name: "p99Us", unit: "µs", better: "lower" }),
    value: (_p, r) => r.latency?.p99Us ?? Number.NaN,
    plan: () => ({ params: {}, points: [] }),
    postcondition: () => [],
    run: async (point, ctx) => {
      const options = loads.map((load) =>
        loadOptionsFor({ ...point, load }, { server: ctx.server, protocol: ctx.protocol, driver: ctx.driver, clientCpus: ctx.clientCpus }),
      );
      return mergeStepLoads(loads, await runGroup(options));
    },
  };
}

/** Measures one level of users against a running server. */
export async function measureStep(
  o: StepOptions,
  stack: DiscoveredStack,
  server: LaunchedServer,
  next: NextLevel,
  limits: MachineLimits,
  probes: FloorProbes | null,
  runGroup: RunLoadGroupFn,
): Promise<CapacityStepRecord> {
  const profile = USER_PROFILES[o.profile];
  // As many workers and source addresses as the step's connections need: one worker holding them all runs out of open files.
  const loads = spreadLoads(profile.loads(next.users, o.timing), limits, o.pinning?.clientCpus.length ?? 1);
  const point: ScenarioPoint = { key: `${next.users}u`, params: { users: next.users }, kind: "latency", load: loads[0]! };
  const base = { users: next.users, phase: next.phase, connections: next.users * profile.connectionsPerUser };
  try {
    const { record } = await measurePoint(point, {
      scenario: stepScenario(o.profile, loads, runGroup),
      server,
      protocol: stack.manifest.protocol,
      driver: CAPACITY_DRIVER,
      serverCpus: o.pinning?.serverCpus ?? [],
      clientCpus: o.pinning?.clientList,
      clientCoreList: o.pinning?.clientCpus ?? [],
      rep: 0,
      runLoad: async (opts) => (await runGroup([opts]))[0]!,
      probes,
      quietGate: o.quietGate ?? o.pinning !== null,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const errorParts = stepErrors(record);
    const errors = errorParts.connectFailed + errorParts.unexpectedCloses + errorParts.integrity + errorParts.serverDropped;
    const failures = checkCriteria(o.criteria, stepMeasures(record, errors));
    // A busy client can cause latency and error failures itself (its own queueing, its own limits); CPU and RSS above
    // their limits are the server's whatever the client did (a client that could not offer more only lowers them).
    const clientBusy = record.flags.includes("client-bound") || record.flags.includes("client-loaded");
    const serverSide = failures.some((f) => /^(cpu|rss)/.test(f.criterion));
    const floors = record.floor.filter((f) => f.lateness.summary.count > 0);
    const clientProbePct = record.floor.filter((f) => f.role === "client").reduce((a, f) => a + f.probeCpuPct, 0);
    const foreignCpuPct =
      record.clientCoreBusyPct === null || record.clientCoreBusyPct === undefined
        ? null
        : Math.max(0, Math.round((record.clientCoreBusyPct - record.clientCpu.utilisation * 100 - clientProbePct) * 10) / 10);
    const noisy = record.quietGate?.ok === false || (foreignCpuPct ?? 0) > NOISE_FOREIGN_PCT;
    return {
      ...base,
      verdict: failures.length === 0 ? "pass" : noisy ? "noisy" : clientBusy && !serverSide ? "client-limited" : "fail",
      failures,
      latency: record.latency && record.latency.count > 0 ? record.latency : null,
      latencyByKind: detailsOf("capacity", record)?.latencyByKind ?? {},
      errors,
      errorParts,
      serverCpuPct: stepMeasures(record, errors).cpuPct,
      serverCoreBusyPct: record.server?.coreBusyPct ?? null,
      foreignCpuPct,
      quietGateOk: record.quietGate?.ok ?? null,
      attempts: 1,
      rssBytes: record.server?.rssBytesMax ?? null,
      clientCpuPct: Math.round(Math.max(record.clientCpu.utilisation, (record.clientCoreBusyPct ?? 0) / 100) * 1000) / 10,
      msgsPerSec: record.msgsPerSec,
      floorP99Us: floors.length ? Math.max(...floors.map((f) => f.lateness.summary.p99Us)) : null,
      flags: record.flags,
      error: null,
      window: record,
    };
  } catch (e) {
    const error = (e as Error).message;
    // The load ran out of an OS resource (open files, ports, memory): a limit of the machine, not an error of the stack.
    return unmeasuredStep(base, limitOfError(error) ? "limit" : "error", error);
  }
}

/** A step with nothing measured: an error, or a level beyond the machine's limit (`error`: why, or null). */
export function unmeasuredStep(
  base: Pick<CapacityStepRecord, "users" | "phase" | "connections">,
  verdict: "error" | "limit",
  error: string | null,
): CapacityStepRecord {
  return {
    ...base,
    verdict,
    failures: [],
    latency: null,
    latencyByKind: {},
    errors: 0,
    errorParts: { connectFailed: 0, unexpectedCloses: 0, integrity: 0, serverDropped: 0 },
    serverCpuPct: null,
    serverCoreBusyPct: null,
    foreignCpuPct: null,
    quietGateOk: null,
    attempts: 1,
    rssBytes: null,
    clientCpuPct: 0,
    msgsPerSec: 0,
    floorP99Us: null,
    flags: [],
    error,
    window: null,
  };
}
