// connections: ramp to the most idle connections the machine allows (limits read up front); connect-time percentiles,
// handshake rate, RSS per connection before and after a forced GC, and the server CPU cost of heartbeats while holding.
import type { LoadResult } from "@wsarena/loadgen";
import type { LaunchedServer } from "@wsarena/stacks";
import { fetchStats } from "../measure.ts";
import { limitOfError, planRamp, readMachineLimits, readCoreTicks, readProcessCpuTicks, readRssBytes, clockTicksPerSec, sleep } from "@wsarena/host";
import type { ConnectionsDetails, HeartbeatDetails, HoldCpu, MachineLimits, RampPlan } from "@wsarena/results";
import { baseLoad } from "./common.ts";
import type { PointLoad, Profile, Scenario, ScenarioPlan, ScenarioPoint, ScenarioRunContext, ScenarioWindow, WindowOutcome } from "./types.ts";

/** Connections asked for, hold time and heartbeat interval per profile (the ramp is capped by the machine's limits). */
export const CONNECTIONS_POINTS: Readonly<Record<Profile, ReadonlyArray<{ connections: number; heartbeatIntervalS: number }>>> = {
  quick: [{ connections: 1_000, heartbeatIntervalS: 0 }],
  // 19,000: a process may hold 20,000 open files on the reference machine (planRamp keeps FD_RESERVE for the server's own).
  standard: [{ connections: 19_000, heartbeatIntervalS: 1 }],
  full: [{ connections: 100_000, heartbeatIntervalS: 1 }],
};

/** Once every connection is open, wait this long before measuring (the last upgrades' work settles). */
export const SETTLE_MS = 300;
/** Server CPU is measured over this window while holding (heartbeats off, then on); a few ping rounds at 1 s. */
export const HOLD_WINDOW_MS: Readonly<Record<Profile, number>> = { quick: 500, standard: 3_000, full: 5_000 };
/** Time allowed in the hold for noticing the ramp's end and the forced GC (a heap of 100k connections takes longer). */
export const HOLD_SLACK_MS: Readonly<Record<Profile, number>> = { quick: 1_000, standard: 2_500, full: 5_000 };
/** How often /stats is polled for the open-connection count while ramping. */
export const STATS_POLL_MS = 50;
/** The ramp counts as over once /stats shows no new connection for this long (some attempts failed; a busy shared machine stalls a ramp for a while at times). */
export const RAMP_STALL_MS = 4_000;
/** Environment of the servers this scenario measures: POST /gc, for RSS per connection without garbage. */
export const CONNECTIONS_SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({ WSARENA_GC_ENDPOINT: "1" });

/** The limits a plan is sized from (injectable for tests). */
export type LimitsReader = (serverPid?: number) => MachineLimits;
let readLimits: LimitsReader = readMachineLimits;
/** Replaces the limits reader (tests); returns the previous one. */
export function setLimitsReader(r: LimitsReader): LimitsReader {
  const prev = readLimits;
  readLimits = r;
  return prev;
}

/** Polls /stats until `target` connections are open or none were added for RAMP_STALL_MS; returns the count seen. */
async function waitConnected(server: LaunchedServer, target: number, until: Promise<unknown>, signal?: AbortSignal): Promise<number> {
  let done = false;
  // then(ok, failed), not finally(): a finally() promise rejects with `until` and nothing would handle it (the CLI died of it).
  void until.then(
    () => (done = true),
    () => (done = true),
  );
  let last = -1;
  let lastChange = Date.now();
  while (!done && !signal?.aborted) {
    const n = (await fetchStats(server.httpUrl))?.connections ?? 0;
    if (n >= target) return n;
    if (n !== last) (last = n), (lastChange = Date.now());
    else if (n > 0 && Date.now() - lastChange >= RAMP_STALL_MS) return n;
    await sleep(STATS_POLL_MS);
  }
  return Math.max(0, last);
}

/** Server CPU over `windowMs` from now, while `hold` (the load holding the connections) has not ended. */
async function holdCpu(server: LaunchedServer, cpus: readonly number[], windowMs: number, hold: Promise<unknown>): Promise<HoldCpu> {
  let ended = false;
  void hold.then(
    () => (ended = true),
    () => (ended = true),
  );
  const t0 = Date.now();
  const c0 = readCoreTicks(cpus);
  const p0 = readProcessCpuTicks(server.pid) ?? 0;
  await sleep(windowMs);
  const c1 = readCoreTicks(cpus);
  const p1 = readProcessCpuTicks(server.pid) ?? p0;
  const ms = Date.now() - t0;
  let busy = 0;
  let total = 0;
  for (let i = 0; i < cpus.length; i++) (busy += c1[i]!.busy - c0[i]!.busy), (total += c1[i]!.total - c0[i]!.total);
  return {
    windowMs: ms,
    coreBusyPct: cpus.length && total > 0 ? (100 * busy) / total : null,
    processCpuPct: (100 * (p1 - p0)) / clockTicksPerSec() / (ms / 1000),
    inHold: !ended,
  };
}

/** POST /gc: RSS after a full collection, or null when the server does not offer it. */
async function forceGc(server: LaunchedServer): Promise<number | null> {
  try {
    const res = await fetch(`${server.httpUrl}/gc`, { method: "POST", signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) return null;
    const body = (await res.json()) as { rssBytes?: unknown };
    return typeof body.rssBytes === "number" ? body.rssBytes : null;
  } catch {
    return null;
  }
}

const perConnection = (rss: number | null, before: number | null, n: number): number | null =>
  rss !== null && before !== null && n > 0 ? Math.round((rss - before) / n) : null;

/** The load of one ramp-and-hold. */
function rampLoad(point: ScenarioPoint, ramp: RampPlan, holdMs: number): PointLoad {
  return { ...point.load, connections: ramp.connections, workers: ramp.workers, sourceAddresses: ramp.sourceAddresses, holdMs };
}

/** What stopped a ramp short, from the connect errors. */
function stoppedByOf(result: LoadResult, target: number): ConnectionsDetails["stoppedBy"] {
  if (result.connect.succeeded >= target) return null;
  for (const e of result.connect.errors) {
    const l = limitOfError(e);
    if (l) return l;
  }
  return "other";
}

/** Ramp, hold (GC, CPU with heartbeats off), then the heartbeat phase on a second server. */
async function run(point: ScenarioPoint, ctx: ScenarioRunContext): Promise<ScenarioWindow> {
  const profile = point.params.profile as Profile;
  const windowMs = HOLD_WINDOW_MS[profile];
  const holdMs = SETTLE_MS + HOLD_SLACK_MS[profile] + windowMs;
  const limits = readLimits(ctx.server.pid);
  const ramp = planRamp(Number(point.params.requestedConnections), limits);
  const rssBeforeBytes = readRssBytes(ctx.server.pid);
  const load = rampLoad(point, ramp, holdMs);

  const main = ctx.runLoad(load);
  main.catch(() => {});
  const heldConnections = await waitConnected(ctx.server, ramp.connections, main, ctx.signal);
  await sleep(SETTLE_MS);
  const rssHeldBytes = readRssBytes(ctx.server.pid);
  const rssAfterGcBytes = await forceGc(ctx.server);
  const off = await holdCpu(ctx.server, ctx.serverCpus, windowMs, main);
  const result = await main;

  const intervalS = Number(point.params.heartbeatIntervalS);
  let heartbeat: HeartbeatDetails | null = null;
  let heartbeatSkipped: string | null = null;
  if (!(intervalS > 0)) heartbeatSkipped = "the profile runs no heartbeat phase";
  else if (!ctx.launchServer) heartbeatSkipped = "the runner cannot launch a second server here";
  else if (ctx.signal?.aborted) heartbeatSkipped = "interrupted";
  else heartbeat = await heartbeatPhase(ctx, point, ramp, holdMs, windowMs, intervalS, off);

  const details: ConnectionsDetails = {
    limits,
    ramp,
    heldConnections,
    stoppedBy: stoppedByOf(result, ramp.connections),
    rssBeforeBytes,
    rssHeldBytes,
    rssAfterGcBytes,
    rssPerConnectionBytes: perConnection(rssHeldBytes, rssBeforeBytes, heldConnections),
    rssPerConnectionAfterGcBytes: perConnection(rssAfterGcBytes, rssBeforeBytes, heldConnections),
    off,
    heartbeat,
    heartbeatSkipped,
  };
  return { ...result, details };
}

/** A second server with WSARENA_PING_INTERVAL_S, ramped to the same count, held; its CPU against the first server's. */
async function heartbeatPhase(
  ctx: ScenarioRunContext,
  point: ScenarioPoint,
  ramp: RampPlan,
  holdMs: number,
  windowMs: number,
  intervalS: number,
  off: HoldCpu,
): Promise<HeartbeatDetails> {
  const server = await ctx.launchServer!({ env: { WSARENA_PING_INTERVAL_S: String(intervalS) } });
  try {
    const hold = ctx.runLoad(rampLoad(point, ramp, holdMs), server);
    hold.catch(() => {});
    const heldConnections = await waitConnected(server, ramp.connections, hold, ctx.signal);
    await sleep(SETTLE_MS);
    const on = await holdCpu(server, ctx.serverCpus, windowMs, hold);
    const stillOpen = (await fetchStats(server.httpUrl))?.connections ?? heldConnections;
    const r = await hold;
    const pingsPerSec = heldConnections / intervalS;
    const costCoreBusyPct = on.coreBusyPct !== null && off.coreBusyPct !== null ? on.coreBusyPct - off.coreBusyPct : null;
    const cpuUsPerPing = pingsPerSec > 0 ? (((on.processCpuPct - off.processCpuPct) / 100) * 1e6) / pingsPerSec : 0;
    return {
      intervalS,
      heldConnections,
      on,
      costCpuPct: on.processCpuPct - off.processCpuPct,
      costCoreBusyPct,
      pingsPerSec,
      cpuUsPerPing,
      closedDuringHold: Math.max(0, heldConnections - stillOpen),
      connectPerSec: r.connect.perSec,
    };
  } finally {
    await server.stop();
  }
}

/** The details of a window, when the scenario's run stored them. */
export function connectionsDetails(result: ScenarioWindow): ConnectionsDetails | null {
  const d = result.details;
  return d && "ramp" in d ? d : null;
}

/** Every connection of the ramp succeeded, the server accepted them all, and none closed while heartbeats ran. */
function checkAllConnected(o: WindowOutcome): string[] {
  const c = o.result.connect;
  const d = connectionsDetails(o.result);
  const n = d?.ramp.connections ?? o.point.load.connections;
  const out: string[] = [];
  if (c.succeeded !== n || c.failed > 0) {
    const by = d?.stoppedBy && d.stoppedBy !== "other" ? `; stopped by ${d.stoppedBy}` : "";
    out.push(`${c.succeeded} of ${n} connections succeeded, ${c.failed} failed${c.errors.length ? ` (${c.errors.slice(0, 3).join("; ")})` : ""}${by}`);
  }
  if (o.statsBefore && o.statsAfter) {
    const accepted = o.statsAfter.connectionsTotal - o.statsBefore.connectionsTotal;
    if (accepted < c.succeeded) out.push(`/stats connectionsTotal grew by ${accepted}, fewer than the ${c.succeeded} connections the client opened`);
  }
  if (d?.heartbeat && d.heartbeat.closedDuringHold > 0)
    out.push(`${d.heartbeat.closedDuringHold} connections closed while heartbeats ran every ${d.heartbeat.intervalS} s (the client answers every ping)`);
  if (d && !d.off.inHold)
    out.push("the load closed the connections before the CPU window without heartbeats ended (the forced GC took longer than HOLD_SLACK_MS allows)");
  if (d?.heartbeat && !d.heartbeat.on.inHold) out.push("the load closed the connections before the CPU window with heartbeats ended");
  if (d?.heartbeat && d.heartbeat.heldConnections < n) out.push(`the heartbeat phase held ${d.heartbeat.heldConnections} of ${n} connections`);
  return out;
}

export const connections: Scenario = {
  id: "connections",
  description:
    "Ramp to the most idle connections the machine allows: connect-time percentiles, handshake rate, server RSS per connection (after a forced GC) and the CPU cost of heartbeats while holding.",
  metric: () => ({ name: "connectPerSec", unit: "conn/s", better: "higher" }),
  value: (_p, r) => r.connect.perSec,
  serverEnv: CONNECTIONS_SERVER_ENV,
  plan(profile: Profile): ScenarioPlan {
    const limits = readLimits();
    return {
      params: {},
      points: CONNECTIONS_POINTS[profile].map(({ connections: requested, heartbeatIntervalS }) => {
        const ramp = planRamp(requested, limits);
        const holdMs = SETTLE_MS + HOLD_SLACK_MS[profile] + HOLD_WINDOW_MS[profile];
        return {
          key: `${ramp.connections}conn`,
          params: { connections: ramp.connections, requestedConnections: requested, cappedBy: ramp.cappedBy, holdMs, heartbeatIntervalS, profile },
          kind: "connections",
          load: baseLoad(profile, {
            mode: "connections",
            connections: ramp.connections,
            holdMs,
            warmupMs: 0,
            sourceAddresses: ramp.sourceAddresses,
            workers: ramp.workers,
          }),
        };
      }),
    };
  },
  postcondition: (o) => checkAllConnected(o),
  run,
};
