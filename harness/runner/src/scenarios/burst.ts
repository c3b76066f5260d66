// burst: a connection storm (N connections opened within 1 s; errors classified, connect-time percentiles) and a
// message burst (a quiet pub/sub stream jumps to 10× its rate for 2 s; time to drain). Client: fault/client.ts, pinned.
import { startFaultClient, type BurstResult, type BurstTask, type StormResult, type StormTask } from "@wsarena/fault";
import { FAULT_TIMEOUT_SLACK_MS, faultWindow } from "./fault-window.ts";
import { baseLoad, rateLabel } from "./common.ts";
import { detailsOf, type BurstDetails, type MessageBurstDetails, type StormDetails } from "@wsarena/results";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, ScenarioRunContext, WindowOutcome } from "./types.ts";

/** Storm: connections attempted and the time they are spread over. */
export const STORM_SPREAD_MS = 1_000;
/** Storm: hold after every attempt settled (connections dropped during it are counted by close code). */
export const STORM_HOLD_MS = 1_000;
/** Time a storm connection may take to open before it counts as a timeout. */
export const STORM_CONNECT_TIMEOUT_MS = 10_000;
/** Burst: rate multiplier and phase lengths. */
export const BURST_FACTOR = 10;
export const BURST_QUIET_MS = 2_000;
export const BURST_LENGTH_MS = 2_000;
export const BURST_AFTER_MS = 4_000;
/** Longest wait for the backlog after the schedule ends. */
export const BURST_DRAIN_LIMIT_MS = 10_000;
/** Topic of the message burst. */
export const BURST_TOPIC = "burst";

/**
 * A capped storm: the same storm against a server started with WSARENA_MAX_CONNECTIONS at this share of it, so the
 * attempts over the cap must be refused with 503 (the contract) and the ones under it must open.
 */
export const STORM_CAP_SHARE = 0.5;

/** Storm sizes and burst shapes per profile. */
export const BURST_POINTS: Readonly<Record<Profile, { storms: readonly number[]; bursts: ReadonlyArray<{ subscribers: number; baseRate: number }> }>> = {
  quick: { storms: [500], bursts: [{ subscribers: 20, baseRate: 100 }] },
  standard: { storms: [2_000], bursts: [{ subscribers: 100, baseRate: 100 }] },
  full: {
    storms: [2_000, 5_000],
    bursts: [
      { subscribers: 100, baseRate: 100 },
      { subscribers: 100, baseRate: 300 },
    ],
  },
};

function stormTask(p: ScenarioPoint, ctx: ScenarioRunContext): StormTask {
  return {
    kind: "storm",
    wsUrl: ctx.server.wsUrl,
    protocol: ctx.protocol,
    connections: Number(p.params.connections),
    spreadMs: STORM_SPREAD_MS,
    holdMs: STORM_HOLD_MS,
    connectTimeoutMs: STORM_CONNECT_TIMEOUT_MS,
  };
}

function burstTask(p: ScenarioPoint, ctx: ScenarioRunContext): BurstTask {
  return {
    kind: "burst",
    wsUrl: ctx.server.wsUrl,
    protocol: ctx.protocol,
    subscribers: Number(p.params.subscribers),
    baseRate: Number(p.params.baseRate),
    factor: BURST_FACTOR,
    quietMs: BURST_QUIET_MS,
    burstMs: BURST_LENGTH_MS,
    afterMs: BURST_AFTER_MS,
    drainLimitMs: BURST_DRAIN_LIMIT_MS,
    topic: BURST_TOPIC,
    connectTimeoutMs: STORM_CONNECT_TIMEOUT_MS,
  };
}

/** details of a storm point (stored per repetition). */
function stormDetails(r: StormResult): StormDetails {
  return {
    kind: "storm",
    outcomes: r.outcomes,
    closeCodes: r.closeCodes,
    settledMs: r.settledMs,
    openAtEnd: r.openAtEnd,
    buckets: r.buckets,
    errorSamples: r.errorSamples,
  };
}

/** details of a message-burst point. */
function burstDetails(r: BurstResult): MessageBurstDetails {
  return {
    kind: "message-burst",
    baselineP99Us: r.baselineP99Us,
    burstEndMs: r.burstEndMs,
    backlogDrainMs: r.backlogDrainMs,
    latencyRecoverMs: r.latencyRecoverMs,
    drainMs: r.drainMs,
    lost: r.lost,
    outcomes: r.outcomes,
    closeCodes: r.closeCodes,
    buckets: r.buckets,
    errorSamples: r.errorSamples,
  };
}

/** The details of a window, when it is a burst one. */
function burstOf(o: WindowOutcome): BurstDetails | null {
  const d = o.result.details;
  return d && "kind" in d && (d.kind === "storm" || d.kind === "message-burst") ? d : null;
}

function postcondition(o: WindowOutcome): string[] {
  const out: string[] = [];
  if (o.point.params.kind === "storm") {
    const n = Number(o.point.params.connections);
    if (o.result.connect.attempted !== n)
      out.push(`storm: ${o.result.connect.attempted} of ${n} attempts accounted for; expected every attempt to end open or with a classified error`);
    const cap = o.point.params.maxConnections;
    if (cap !== undefined) {
      // Over the cap the contract answers the upgrade with 503; the bystander connections of the harness (none here) do not count.
      const outcomes = burstOf(o)?.outcomes;
      const refused503 = outcomes?.["http-503"] ?? 0;
      if (o.result.connect.succeeded > Number(cap))
        out.push(`capped storm: ${o.result.connect.succeeded} connections opened over WSARENA_MAX_CONNECTIONS=${cap}`);
      if (o.result.connect.succeeded + refused503 < n)
        out.push(
          `capped storm: ${o.result.connect.succeeded} opened + ${refused503} refused with 503 < ${n} attempts (other errors: ${JSON.stringify(outcomes)})`,
        );
    }
    if (o.statsBefore && o.statsAfter && o.statsAfter.connectionsTotal - o.statsBefore.connectionsTotal < o.result.connect.succeeded)
      out.push(
        `/stats connectionsTotal grew by ${o.statsAfter.connectionsTotal - o.statsBefore.connectionsTotal}, fewer than the ${o.result.connect.succeeded} connections the client opened`,
      );
  } else {
    if (o.result.integrity.received === 0) out.push("message burst: no delivery received");
    const d = burstOf(o);
    if (d?.kind === "message-burst" && d.drainMs === null)
      out.push(`message burst: did not drain within ${BURST_AFTER_MS + BURST_DRAIN_LIMIT_MS} ms after the burst (backlog or latency still above baseline)`);
  }
  return out;
}

export const burst: Scenario = {
  id: "burst",
  description:
    "Connection storm (N connections within 1 s: errors by class, connect-time percentiles) and message burst (a quiet stream jumps to 10× for 2 s: time to drain).",
  metric: (p) => (p.params.kind === "storm" ? { name: "connectP99Us", unit: "µs", better: "lower" } : { name: "drainMs", unit: "ms", better: "lower" }),
  value: (p, r) => {
    if (p.params.kind === "storm") return r.connect.succeeded > 0 ? r.connect.p99Us : Number.NaN;
    const d = detailsOf("burst", r);
    return d?.kind === "message-burst" && d.drainMs !== null ? d.drainMs : Number.NaN;
  },
  plan(profile: Profile): ScenarioPlan {
    const { storms, bursts } = BURST_POINTS[profile];
    const storm = (n: number, cap?: number): ScenarioPoint => ({
      key: cap === undefined ? `storm-${n}` : `storm-${n}-cap${cap}`,
      params: { kind: "storm", connections: n, spreadMs: STORM_SPREAD_MS, holdMs: STORM_HOLD_MS, ...(cap !== undefined ? { maxConnections: cap } : {}) },
      kind: "connections",
      load: baseLoad(profile, { mode: "connections", connections: n, warmupMs: 0, durationMs: STORM_SPREAD_MS, holdMs: STORM_HOLD_MS }),
      ...(cap !== undefined ? { serverEnv: { WSARENA_MAX_CONNECTIONS: String(cap) } } : {}),
    });
    const points: ScenarioPoint[] = [
      ...storms.map((n) => storm(n)),
      ...storms.slice(0, 1).map((n) => storm(n, Math.round(n * STORM_CAP_SHARE))),
      ...bursts.map(
        ({ subscribers, baseRate }): ScenarioPoint => ({
          key: `burst-${subscribers}sub-${rateLabel(baseRate)}/s-x${BURST_FACTOR}`,
          params: {
            kind: "message-burst",
            subscribers,
            baseRate,
            factor: BURST_FACTOR,
            quietMs: BURST_QUIET_MS,
            burstMs: BURST_LENGTH_MS,
            afterMs: BURST_AFTER_MS,
          },
          kind: "latency",
          load: baseLoad(profile, {
            mode: "pubsub",
            connections: subscribers,
            rate: baseRate,
            warmupMs: 0,
            durationMs: BURST_QUIET_MS + BURST_LENGTH_MS + BURST_AFTER_MS,
            pubsub: { subscribers, publishers: 1, topic: BURST_TOPIC },
          }),
        }),
      ),
    ];
    return { params: { stormSpreadMs: STORM_SPREAD_MS, burstFactor: BURST_FACTOR }, points };
  },
  async run(point, ctx) {
    const task = point.params.kind === "storm" ? stormTask(point, ctx) : burstTask(point, ctx);
    const planned =
      task.kind === "storm" ? task.spreadMs + task.holdMs + task.connectTimeoutMs : task.quietMs + task.burstMs + task.afterMs + task.drainLimitMs;
    const client = startFaultClient(task, {
      clientCpus: ctx.clientCpus,
      timeoutMs: planned + FAULT_TIMEOUT_SLACK_MS,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const r = await client.result;
    if (r.kind === "storm") return faultWindow(point.load, r, ctx.clientCpus, stormDetails(r));
    if (r.kind === "burst") return faultWindow(point.load, r, ctx.clientCpus, burstDetails(r));
    throw new Error(`fault client returned a ${r.kind} result for a burst point`);
  },
  postcondition,
};
