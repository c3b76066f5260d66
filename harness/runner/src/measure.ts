// Measures one scenario point against a running server: /stats before and after, /proc sampling (exact CPU counters for
// the window figures, clock ticks for the charts), the load, postcondition, flags.
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import {
  type FloorProbes,
  type Sampler,
  quietGate,
  DEFAULT_SAMPLE_INTERVAL_MS,
  coreBusyBetween,
  exactWindowCpu,
  startSampler,
  stealBetween,
  summariseUsage,
  type ExactReading,
} from "@wsarena/host";
import {
  atFloorPercentiles,
  computeFlags,
  isPercentileName,
  serverStatsSchema,
  type ExactCpu,
  type QuietGateRecord,
  type RepetitionRecord,
  type ServerStatsRecord,
  type ServerUsage,
} from "@wsarena/results";
import type { LaunchedServer, LaunchOptions, RestartOptions, ServerRestart } from "@wsarena/stacks";
import type { Scenario, ScenarioPoint, ScenarioRunContext, ScenarioWindow, WindowOutcome } from "./scenarios/types.ts";
import { CPU_PER_MESSAGE_METRIC } from "./cpu-per-message.ts";

/** Time allowed on top of warm-up + window + hold for connecting and draining, before the load generator stops itself. */
export const LOAD_TIMEOUT_SLACK_MS = 15_000;
/** Extra time per 1,000 connections allowed for the ramp. */
export const LOAD_TIMEOUT_PER_1K_CONNECTIONS_MS = 2_000;
/** Timeout of a /stats request. */
export const STATS_TIMEOUT_MS = 5_000;

/** The load function (runLoad of @wsarena/loadgen; injectable for tests). */
export type RunLoadFn = (options: LoadOptions) => Promise<LoadResult>;

/** What measurePoint needs besides the point. */
export interface MeasureContext {
  scenario: Scenario;
  server: LaunchedServer;
  protocol: "ws" | "socket.io";
  driver: LoadOptions["driver"];
  /** Offer permessage-deflate (a variant's load option); absent = not offered. */
  deflate?: boolean;
  /** Server cpus (for /proc/stat core sampling). */
  serverCpus: readonly number[];
  /** taskset list of the client, or undefined = not pinned. */
  clientCpus: string | undefined;
  /** Client cpus as numbers (empty = not pinned), sampled from /proc/stat. */
  clientCoreList: readonly number[];
  rep: number;
  runLoad: RunLoadFn;
  /** Hiccup probes of the pinned cores, started once per run (floor records of each window); absent = no floor. */
  probes?: FloorProbes | null;
  /** Quiet-machine gate before the load; default: on when the server is pinned. */
  quietGate?: boolean;
  /** Aborting cuts the quiet gate short. */
  signal?: AbortSignal;
  /** Launches another server of the stack (ScenarioRunContext.launchServer); absent = scenarios cannot. */
  launchServer?: (opts?: Pick<LaunchOptions, "env" | "cpus">) => Promise<LaunchedServer>;
  /** Restarts the repetition's server in place (the matrix swaps its server for the new one); absent = a scenario's restartServer throws. */
  restartServer?: (r: RestartOptions) => Promise<ServerRestart>;
}

/** GET /stats, or null when the server does not answer in time. */
export async function fetchStats(httpUrl: string): Promise<ServerStatsRecord | null> {
  try {
    const res = await fetch(`${httpUrl}/stats`, { signal: AbortSignal.timeout(STATS_TIMEOUT_MS) });
    if (res.status !== 200) return null;
    const parsed = serverStatsSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** after − before for every /stats field. */
export function statsDelta(before: ServerStatsRecord, after: ServerStatsRecord): ServerStatsRecord {
  const out = { ...after };
  for (const k of Object.keys(after) as Array<keyof ServerStatsRecord>) out[k] = after[k] - (before[k] ?? 0);
  return out;
}

/** Full load options of a point. */
export function loadOptionsFor(point: ScenarioPoint, ctx: Pick<MeasureContext, "server" | "protocol" | "driver" | "clientCpus" | "deflate">): LoadOptions {
  const l = point.load;
  const timeoutMs = l.warmupMs + l.durationMs + l.holdMs + LOAD_TIMEOUT_SLACK_MS + Math.ceil(l.connections / 1000) * LOAD_TIMEOUT_PER_1K_CONNECTIONS_MS;
  return {
    ...l,
    url: ctx.server.wsUrl,
    protocol: ctx.protocol,
    driver: ctx.driver,
    timeoutMs,
    ...(ctx.clientCpus !== undefined ? { clientCpus: ctx.clientCpus } : {}),
    ...(ctx.deflate ? { deflate: true } : {}),
  };
}

/** The scenario's window as it ran, and the server it ended on (a scenario may restart it). */
interface RanWindow {
  result: ScenarioWindow;
  current: LaunchedServer;
  restarts: number;
}

/** Runs the load (or the scenario's own run) while `sampler` follows the server, across restarts. */
async function runWindow(point: ScenarioPoint, ctx: MeasureContext, sampler: Sampler): Promise<RanWindow> {
  const ran = { current: ctx.server, restarts: 0 };
  if (!ctx.scenario.run) return { ...ran, result: await ctx.runLoad(loadOptionsFor(point, ctx)) };
  const runCtx: ScenarioRunContext = {
    server: ctx.server,
    protocol: ctx.protocol,
    driver: ctx.driver,
    serverCpus: ctx.serverCpus,
    clientCpus: ctx.clientCpus,
    runLoad: (load, target) => ctx.runLoad(loadOptionsFor({ ...point, load }, { ...ctx, server: target ?? ran.current })),
    restartServer: async (r) => {
      if (!ctx.restartServer)
        throw new Error(`scenario ${ctx.scenario.id} restarts the server, but this runner context cannot (restartServer not given); run it through runMatrix`);
      const out = await ctx.restartServer(r);
      ran.restarts++;
      ran.current = out.server;
      runCtx.server = out.server;
      sampler.follow(out.server.pid);
      return out;
    },
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.launchServer ? { launchServer: ctx.launchServer } : {}),
  };
  const result = await ctx.scenario.run(point, runCtx);
  // Read after the run: a restart replaces the server and counts.
  return { ...ran, result };
}

/** CPU, memory and core figures of the window from the sampler's readings. */
interface WindowUsage {
  server: ServerUsage | null;
  clientCoreBusyPct: number | null;
  stealPct: number | null;
  cpu: ExactCpu | null;
  rssPerConnectionBytes: number | null;
}

function windowUsage(point: ScenarioPoint, ctx: MeasureContext, readings: ReturnType<Sampler["readings"]>, result: ScenarioWindow): WindowUsage {
  const { windowStartMs: startMs, windowEndMs: endMs } = result;
  const clientIdx = ctx.clientCoreList.map((_, i) => ctx.serverCpus.length + i);
  const exact = readings.flatMap((r) => (r.exact ? [r.exact] : ([] as ExactReading[])));
  // RSS per connection: highest RSS while the connections were open minus RSS before the ramp.
  let rssPerConnectionBytes: number | null = null;
  if (point.load.mode === "connections" && readings.length > 1 && result.connect.succeeded > 0) {
    const peak = Math.max(...readings.map((r) => r.rssBytes));
    rssPerConnectionBytes = Math.round((peak - readings[0]!.rssBytes) / result.connect.succeeded);
  }
  return {
    server: summariseUsage(readings, startMs, endMs, DEFAULT_SAMPLE_INTERVAL_MS, ctx.serverCpus.length),
    clientCoreBusyPct: coreBusyBetween(readings, startMs, endMs, clientIdx),
    stealPct: stealBetween(readings, startMs, endMs, [...ctx.serverCpus.keys(), ...clientIdx]),
    cpu: exactWindowCpu(exact, startMs, endMs, ctx.serverCpus.length, result.msgsPerSec),
    rssPerConnectionBytes,
  };
}

/**
 * "Server busy" is its pinned core(s) busy: a core at 100% cannot give the server more, whoever used it. The exact
 * figure where there is one (ticks can show the core less busy than the server on it); unpinned, the process's share.
 */
function serverBusyPct(u: WindowUsage, serverCoreCount: number): number | null {
  const perCore = (processPct: number) => processPct / Math.max(1, serverCoreCount);
  if (u.cpu) return u.cpu.coreBusyPct ?? perCore(u.cpu.processCpuPct);
  return u.server ? (u.server.coreBusyPct ?? perCore(u.server.cpuPct)) : null;
}

/** The repetition record of a measured window (flags, atFloor and outlier are filled by measurePoint). */
function repetitionRecord(
  ctx: MeasureContext,
  ran: RanWindow,
  u: WindowUsage,
  stats: [ServerStatsRecord | null, ServerStatsRecord | null],
  floor: RepetitionRecord["floor"],
  gate: QuietGateRecord | null,
  failures: string[],
): RepetitionRecord {
  const { result, restarts } = ran;
  const [statsBefore, statsAfter] = stats;
  return {
    rep: ctx.rep,
    serverPid: ctx.server.pid,
    windowStartMs: result.windowStartMs,
    windowEndMs: result.windowEndMs,
    durationMs: result.durationMs,
    msgsPerSec: result.msgsPerSec,
    bytesPerSec: result.bytesPerSec,
    sentPerSec: result.sentPerSec,
    latency: result.latency,
    histogram: result.histogram,
    integrity: result.integrity,
    connect: result.connect,
    clientCpu: result.clientCpu,
    server: u.server,
    clientCoreBusyPct: u.clientCoreBusyPct,
    statsBefore,
    statsAfter,
    // /stats counters restart with a restarted server: before and after are not of one process.
    statsDelta: statsBefore && statsAfter && !restarts ? statsDelta(statsBefore, statsAfter) : null,
    rssPerConnectionBytes: u.rssPerConnectionBytes,
    errors: [...result.errors],
    closeCodes: result.closeCodes,
    postcondition: { ok: failures.length === 0, failures },
    flags: [],
    schedulerLag: result.schedulerLagUs ? { summary: result.schedulerLagUs, histogram: result.schedulerLagHistogram ?? null } : null,
    floor,
    stealPct: u.stealPct,
    quietGate: gate,
    atFloor: [],
    outlier: "normal",
    ...(result.wire ? { wire: result.wire } : {}),
    ...(result.receive ? { receive: result.receive } : {}),
    ...(result.details ? { details: result.details } : {}),
    ...(u.cpu ? { cpu: u.cpu } : {}),
  };
}

/** Runs one point once and returns its repetition record (with postcondition and per-window flags). */
export async function measurePoint(point: ScenarioPoint, ctx: MeasureContext): Promise<{ record: RepetitionRecord; outcome: WindowOutcome }> {
  const statsBefore = await fetchStats(ctx.server.httpUrl);
  // The server is idle now: anything else busy on the pinned cores would be measured with it.
  const gate =
    ctx.quietGate !== false && ctx.serverCpus.length > 0
      ? await quietGate({
          serverPid: ctx.server.pid,
          serverCpus: ctx.serverCpus,
          clientCpus: ctx.clientCoreList,
          probes: ctx.probes ?? null,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        })
      : null;
  // Client cores are sampled too: loopback network work runs in softirq on each side's core and is not charged to the processes.
  const sampler = startSampler(ctx.server.pid, [...ctx.serverCpus, ...ctx.clientCoreList], DEFAULT_SAMPLE_INTERVAL_MS);
  let ran: RanWindow;
  try {
    ran = await runWindow(point, ctx, sampler);
  } finally {
    sampler.stop();
  }
  const { result } = ran;
  const floor = ctx.probes ? await ctx.probes.floor(result.windowStartMs, result.windowEndMs) : [];
  const statsAfter = await fetchStats(ran.current.httpUrl);
  const usage = windowUsage(point, ctx, sampler.readings(), result);
  const outcome: WindowOutcome = { point, result, statsBefore: ran.restarts ? null : statsBefore, statsAfter, server: usage.server };
  const failures = ctx.scenario.postcondition(outcome);
  const record = repetitionRecord(ctx, ran, usage, [statsBefore, statsAfter], floor, gate, failures);
  record.atFloor = atFloorPercentiles(record.latency, record.floor);
  const headline = ctx.scenario.metric(point).name;
  const lagPercentile = isPercentileName(headline) ? headline : "p99Us";
  record.flags.push(
    ...computeFlags({
      kind: point.kind,
      serverBusyPct: serverBusyPct(usage, ctx.serverCpus.length),
      clientUtilisation: Math.max(result.clientCpu.utilisation, (usage.cpu?.clientCoreBusyPct ?? usage.clientCoreBusyPct ?? 0) / 100),
      integrity: result.integrity,
      errors: record.errors,
      postconditionFailures: failures,
      // At the headline's percentile; a headline that is no latency percentile (recovery time) is judged at p99. A point
      // headlined by CPU per message (the cpu scenario's fixed rates) has no latency figure for the client's lag to distort.
      schedulerLagUs: record.schedulerLag?.summary[lagPercentile] ?? null,
      latencyUs: headline === CPU_PER_MESSAGE_METRIC ? null : (record.latency?.[lagPercentile] ?? null),
      headlineAtFloor: isPercentileName(headline) && record.atFloor.includes(headline),
    }),
    ...(result.flags ?? []),
  );
  return { record, outcome };
}
