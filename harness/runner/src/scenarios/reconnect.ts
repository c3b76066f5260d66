// reconnect: the server is SIGKILLed and restarted mid-stream; subscribers reconnect with exponential backoff (one point
// per policy: no-jitter, full-jitter, …) and subscribe again. Time to full recovery over clients, messages missed (by seq).
import {
  BACKOFF_POLICIES,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_CAP_MS,
  DEFAULT_BACKOFF_FACTOR,
  type BackoffPolicy,
  startFaultClient,
  type ReconnectResult,
  type ReconnectTask,
} from "@wsarena/fault";
import { percentile } from "@wsarena/stats";
import { FAULT_TIMEOUT_SLACK_MS, faultWindow } from "./fault-window.ts";
import type { ServerRestart } from "@wsarena/stacks";
import { baseLoad, rateLabel } from "./common.ts";
import { detailsOf, type ReconnectDetails, type RecoveryFigures } from "@wsarena/results";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, WindowOutcome } from "./types.ts";

/** Streaming before the kill, once every subscriber is up, ms. */
export const RECONNECT_BEFORE_KILL_MS = 1_000;
/** Time the port stays dark between the old server's death and the new spawn, ms. */
export const RECONNECT_DOWN_MS = 500;
/** Longest wait for every subscriber to receive again, from the kill, ms. */
export const RECONNECT_RECOVER_LIMIT_MS = 20_000;
/** Streaming kept in the window after the recovery, ms. */
export const RECONNECT_TAIL_MS = 1_000;
/** The publisher (the feed) retries this often: recovery then measures the subscribers' policy. */
export const RECONNECT_PUBLISHER_RETRY_MS = 20;
/** Connect timeout of one attempt. */
export const RECONNECT_CONNECT_TIMEOUT_MS = 5_000;
/** Jitter seed (recorded, so a run's schedule can be replayed). */
export const RECONNECT_SEED = 20261202;
/** Topic of the stream. */
export const RECONNECT_TOPIC = "feed";

/** Subscribers, publish rate and policies per profile. */
export const RECONNECT_POINTS: Readonly<Record<Profile, { subscribers: number; rate: number; policies: readonly BackoffPolicy[] }>> = {
  quick: { subscribers: 100, rate: 50, policies: ["no-jitter", "full-jitter"] },
  standard: { subscribers: 500, rate: 50, policies: BACKOFF_POLICIES },
  full: { subscribers: 1_000, rate: 50, policies: BACKOFF_POLICIES },
};

/** Recovery figures of one repetition (stored in `details`, documented in harness/runner/README.md). */
export function recoveryFigures(r: ReconnectResult, restart: ServerRestart, oldPid: number): RecoveryFigures {
  const fromKill: number[] = [];
  const fromReady: number[] = [];
  const missed: number[] = [];
  const attempts: number[] = [];
  for (const c of r.clients) {
    missed.push(c.missed);
    attempts.push(c.attempts);
    if (c.disconnectedAtMs !== null && c.firstMessageAtMs !== null) {
      fromKill.push(c.firstMessageAtMs - restart.killedAtMs);
      fromReady.push(c.firstMessageAtMs - restart.readyAtMs);
    }
  }
  const asc = (a: number[]) => a.sort((x, y) => x - y);
  asc(fromKill);
  asc(fromReady);
  asc(missed);
  asc(attempts);
  return {
    clients: r.clients.length,
    recovered: fromKill.length,
    recoveryP50Ms: percentile(fromKill, 50),
    recoveryP99Ms: percentile(fromKill, 99),
    recoveryMaxMs: fromKill.at(-1) ?? null,
    afterReadyP50Ms: percentile(fromReady, 50),
    afterReadyP99Ms: percentile(fromReady, 99),
    serverDownMs: restart.readyAtMs - restart.killedAtMs,
    restart: {
      signal: restart.signal,
      killedAtMs: restart.killedAtMs,
      exitedAtMs: restart.exitedAtMs,
      spawnedAtMs: restart.spawnedAtMs,
      readyAtMs: restart.readyAtMs,
      bindAttempts: restart.bindAttempts,
      oldPid,
      newPid: restart.server.pid,
    },
    missedTotal: r.lost,
    missedP50: percentile(missed, 50),
    missedP99: percentile(missed, 99),
    unpublished: r.unpublished,
    // The herd: successful reconnects bunched into one 100 ms bucket, and the connect-time spike they cause.
    peakConnectsPer100Ms: Math.max(0, ...r.buckets.map((b) => b.succeeded)),
    peakConnectP99Us: Math.max(0, ...r.buckets.map((b) => b.p99Us ?? 0)),
    attemptsP50: percentile(attempts, 50),
    attemptsP99: percentile(attempts, 99),
    outcomes: r.outcomes,
    closeCodes: r.closeCodes,
    buckets: r.buckets,
    errorSamples: r.errorSamples,
  };
}

/** The details of a window, when it is a reconnect one. */
function recoveryOf(o: WindowOutcome): ReconnectDetails | null {
  const d = o.result.details;
  return d && "kind" in d && d.kind === "reconnect" ? d : null;
}

function postcondition(o: WindowOutcome): string[] {
  const d = recoveryOf(o);
  const out: string[] = [];
  if (d && d.recovered !== d.clients)
    out.push(`reconnect: ${d.recovered} of ${d.clients} subscribers received again within ${RECONNECT_RECOVER_LIMIT_MS} ms of the kill`);
  if (o.result.integrity.duplicated > 0) out.push(`reconnect: ${o.result.integrity.duplicated} duplicated deliveries; expected none`);
  return out;
}

export const reconnect: Scenario = {
  id: "reconnect",
  description:
    "Server SIGKILLed and restarted mid-stream; subscribers reconnect with backoff (one point per policy) and resubscribe: recovery time p50/p99 over clients, messages missed.",
  metric: () => ({ name: "recoveryP99Ms", unit: "ms", better: "lower" }),
  value: (_p, r) => {
    const v = detailsOf("reconnect", r)?.recoveryP99Ms;
    return typeof v === "number" ? v : Number.NaN;
  },
  plan(profile: Profile): ScenarioPlan {
    const { subscribers, rate, policies } = RECONNECT_POINTS[profile];
    return {
      params: {
        subscribers,
        rate,
        backoffBaseMs: DEFAULT_BACKOFF_BASE_MS,
        backoffCapMs: DEFAULT_BACKOFF_CAP_MS,
        backoffFactor: DEFAULT_BACKOFF_FACTOR,
        downMs: RECONNECT_DOWN_MS,
        signal: "SIGKILL",
        seed: RECONNECT_SEED,
      },
      points: policies.map(
        (policy): ScenarioPoint => ({
          key: `${subscribers}sub-${rateLabel(rate)}/s-${policy}`,
          params: { policy, subscribers, rate },
          kind: "latency",
          load: baseLoad(profile, {
            mode: "pubsub",
            connections: subscribers,
            rate,
            warmupMs: 0,
            durationMs: RECONNECT_BEFORE_KILL_MS + RECONNECT_TAIL_MS,
            pubsub: { subscribers, publishers: 1, topic: RECONNECT_TOPIC },
          }),
        }),
      ),
    };
  },
  async run(point, ctx) {
    const task: ReconnectTask = {
      kind: "reconnect",
      wsUrl: ctx.server.wsUrl,
      protocol: ctx.protocol,
      subscribers: Number(point.params.subscribers),
      rate: Number(point.params.rate),
      topic: RECONNECT_TOPIC,
      backoff: { policy: point.params.policy as BackoffPolicy, baseMs: DEFAULT_BACKOFF_BASE_MS, capMs: DEFAULT_BACKOFF_CAP_MS, factor: DEFAULT_BACKOFF_FACTOR },
      seed: RECONNECT_SEED,
      publisherRetryMs: RECONNECT_PUBLISHER_RETRY_MS,
      recoverLimitMs: RECONNECT_RECOVER_LIMIT_MS,
      tailMs: RECONNECT_TAIL_MS,
      connectTimeoutMs: RECONNECT_CONNECT_TIMEOUT_MS,
    };
    const client = startFaultClient(task, {
      clientCpus: ctx.clientCpus,
      timeoutMs: RECONNECT_RECOVER_LIMIT_MS + RECONNECT_BEFORE_KILL_MS + RECONNECT_TAIL_MS + FAULT_TIMEOUT_SLACK_MS,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    try {
      await client.ready;
      await new Promise((r) => setTimeout(r, RECONNECT_BEFORE_KILL_MS));
      const oldPid = ctx.server.pid;
      const restart = await ctx.restartServer({ signal: "SIGKILL", downMs: RECONNECT_DOWN_MS });
      client.restarted(restart.killedAtMs, restart.readyAtMs);
      const r = await client.result;
      if (r.kind !== "reconnect") throw new Error(`fault client returned a ${r.kind} result for a reconnect point`);
      const details = recoveryFigures(r, restart, oldPid);
      return faultWindow(point.load, r, ctx.clientCpus, { kind: "reconnect", policy: String(point.params.policy), ...details });
    } catch (e) {
      client.abort();
      throw e;
    }
  },
  postcondition,
};
