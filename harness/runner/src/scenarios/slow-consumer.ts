// slow-consumer: k subscribers stop reading a heavy paced stream while fast subscribers keep receiving theirs, once per
// backpressure policy (drop, close, buffer) and once without a slow consumer: does one slow client hurt everyone?
import { readRssBytes } from "@wsarena/host";
import { fitSlope, rssGrowth, samplesBetween, type TrendSample } from "@wsarena/stats";
import { StreamReader } from "@wsarena/fault";
import type { SlowConsumerDetails } from "@wsarena/results";
import { checkIntegrity, checkReceived } from "./checks.ts";
import { baseLoad } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, ScenarioRunContext, ScenarioWindow } from "./types.ts";

/** The policies of WSARENA_BACKPRESSURE (harness/protocol README, Limits), one point each. */
export const BACKPRESSURE_POLICIES = ["drop", "close", "buffer"] as const;
export type BackpressurePolicy = (typeof BACKPRESSURE_POLICIES)[number];

/** Fast subscribers (the load generator's stream receivers) and their paced rate per connection. */
export const FAST_RECEIVERS = 10;
export const FAST_RATE_PER_CONN = 1_000;
/**
 * A slow consumer's stream: paced binary ticks padded to 1 KiB at 20k/s, ~20 MiB/s each: fast enough that a server
 * buffering for it grows visibly within one window; the paced stream is where the policy applies (rate=0 waits for drain).
 */
export const SLOW_RATE_PER_SEC = 20_000;
export const SLOW_SIZE_BYTES = 1_024;
/** Slow consumers per point, per profile (full adds a k-consumer run of each policy). */
export const SLOW_CONSUMERS: Readonly<Record<Profile, readonly number[]>> = { quick: [1], standard: [1], full: [1, 4] };
/** Warm-up and window of the fast subscribers per profile: long enough for RSS to show a plateau or a slope. */
export const SLOW_CONSUMER_TIMING: Readonly<Record<Profile, { warmupMs: number; durationMs: number }>> = {
  quick: { warmupMs: 400, durationMs: 3_000 },
  standard: { warmupMs: 500, durationMs: 5_000 },
  full: { warmupMs: 1_000, durationMs: 10_000 },
};
/** RSS sampling period of the series stored in details. */
export const SLOW_CONSUMER_RSS_SAMPLE_MS = 250;
/**
 * Safety bound: when the server's RSS passes this, the slow consumers are cut off (capHit in details). Buffering every
 * byte the slow consumers are offered over a full-profile point stays well under it, so the cap only stops a server that
 * buffers far more than it is sent.
 */
export const SLOW_CONSUMER_RSS_CAP_BYTES = 2 * 1024 ** 3;
/** Time the slow consumers get after the window to read what the server kept and its close frame. */
export const SLOW_DRAIN_MS = 2_000;

function point(profile: Profile, policy: BackpressurePolicy | "none", slow: number): ScenarioPoint {
  return {
    key: policy === "none" ? "baseline" : `${slow}slow-${policy}`,
    params: {
      policy,
      slowConsumers: slow,
      fastReceivers: FAST_RECEIVERS,
      fastRatePerConn: FAST_RATE_PER_CONN,
      slowRatePerSec: SLOW_RATE_PER_SEC,
      slowSizeBytes: SLOW_SIZE_BYTES,
    },
    kind: "latency",
    load: baseLoad(profile, {
      mode: "stream",
      connections: FAST_RECEIVERS,
      size: 0,
      binary: false,
      stream: { format: "json", rate: FAST_RATE_PER_CONN },
      ...SLOW_CONSUMER_TIMING[profile],
    }),
    // The baseline runs on the default policy's server, so it shares the server of the drop point after it.
    serverEnv: { WSARENA_BACKPRESSURE: policy === "none" ? "drop" : policy },
  };
}

/** Bytes of one binary tick of `size` padding (max(40, size)). */
function tickBytes(size: number): number {
  return Math.max(40, size);
}

async function run(p: ScenarioPoint, ctx: ScenarioRunContext): Promise<ScenarioWindow> {
  const policy = p.params.policy as BackpressurePolicy | "none";
  const slow = Number(p.params.slowConsumers);
  const startMs = Date.now();
  const rss: Array<[number, number]> = [];
  const readers: StreamReader[] = [];
  let capHit = false;
  const sample = () => {
    const v = readRssBytes(ctx.server.pid);
    if (v === null) return;
    rss.push([Date.now() - startMs, v]);
    if (v > SLOW_CONSUMER_RSS_CAP_BYTES && !capHit) {
      capHit = true;
      for (const r of readers) r.close(true);
    }
  };
  sample();
  const timer = setInterval(sample, SLOW_CONSUMER_RSS_SAMPLE_MS);
  try {
    for (let i = 0; i < slow; i++) {
      const r = await StreamReader.open({ wsUrl: ctx.server.wsUrl, protocol: ctx.protocol, ratePerSec: SLOW_RATE_PER_SEC, sizeBytes: SLOW_SIZE_BYTES });
      r.pause();
      readers.push(r);
    }
    const result = await ctx.runLoad(p.load);
    sample();
    // Read what the server kept for the slow consumers (and a close frame, if it sent one).
    for (const r of readers) r.resume();
    await Promise.race([Promise.all(readers.map((r) => r.closed)), new Promise((res) => setTimeout(res, SLOW_DRAIN_MS))]);
    const closeCodes: Record<string, number> = {};
    let closed = 0;
    for (const r of readers) {
      const code = r.counts.closeCode;
      if (code !== null) {
        closed++;
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      }
      r.close(true);
    }
    const series: TrendSample[] = rss.map(([t, v]) => ({ tMs: t, value: v }));
    const ws = result.windowStartMs - startMs;
    const we = result.windowEndMs - startMs;
    const fit = fitSlope(samplesBetween(series, ws, we));
    const offeredBytesPerSec = slow * SLOW_RATE_PER_SEC * tickBytes(SLOW_SIZE_BYTES);
    const details: SlowConsumerDetails = {
      policy,
      slowConsumers: slow,
      offeredBytesPerSec,
      startMs,
      rssSampleMs: SLOW_CONSUMER_RSS_SAMPLE_MS,
      rss,
      windowStartOffsetMs: ws,
      windowEndOffsetMs: we,
      rssSlope: fit,
      rssGrowth: slow === 0 ? "none" : rssGrowth(fit, offeredBytesPerSec),
      rssMaxBytes: Math.max(...rss.map(([, v]) => v)),
      capHit,
      slowClient: {
        received: readers.reduce((a, r) => a + r.counts.received, 0),
        gaps: readers.reduce((a, r) => a + r.counts.gaps, 0),
        closed,
        closeCodes,
      },
    };
    return { ...result, details };
  } finally {
    clearInterval(timer);
    for (const r of readers) r.close(true);
  }
}

export const slowConsumer: Scenario = {
  id: "slow-consumer",
  description:
    "k subscribers stop reading a 20k/s stream while 10 fast ones keep theirs, per backpressure policy: server RSS over time, drops and closes, fast-subscriber latency against a baseline.",
  metric: () => ({ name: "p99Us", unit: "µs", better: "lower" }),
  value: (_p, r) => r.latency?.p99Us ?? Number.NaN,
  plan(profile: Profile): ScenarioPlan {
    const points = [point(profile, "none", 0)];
    for (const k of SLOW_CONSUMERS[profile]) for (const policy of BACKPRESSURE_POLICIES) points.push(point(profile, policy, k));
    return {
      params: { fastReceivers: FAST_RECEIVERS, fastRatePerConn: FAST_RATE_PER_CONN, slowRatePerSec: SLOW_RATE_PER_SEC, slowSizeBytes: SLOW_SIZE_BYTES },
      points,
    };
  },
  // Only the fast subscribers are held to the contract here: drops and closes of the slow ones are the finding.
  postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o)],
  run,
};
