// soak: a long steady stream (quick 30 s, standard 3 min, full 15 min) with server RSS and latency sampled every
// second; an RSS slope above zero beyond noise after warm-up is flagged suspected-leak, with the slope in KiB/min.
import { readRssBytes } from "@wsarena/host";
import { bytesPerSecToKibPerMin, fitSlope, leakVerdict, samplesBetween, type TrendSample, quantile } from "@wsarena/stats";
import { StreamReader } from "@wsarena/fault";
import type { SoakDetails } from "@wsarena/results";
import { checkIntegrity, checkReceived, checkStatsOut } from "./checks.ts";
import { baseLoad } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, ScenarioRunContext, ScenarioWindow } from "./types.ts";

/** Receivers and paced rate of the steady load (the load generator's stream mode, JSON ticks). */
export const SOAK_RECEIVERS = 10;
export const SOAK_RATE_PER_CONN = 1_000;
/** Warm-up (excluded from the slope) and the soak window per profile. */
export const SOAK_TIMING: Readonly<Record<Profile, { warmupMs: number; durationMs: number }>> = {
  quick: { warmupMs: 5_000, durationMs: 30_000 },
  standard: { warmupMs: 20_000, durationMs: 180_000 },
  full: { warmupMs: 60_000, durationMs: 900_000 },
};
/**
 * The soak's server runs without the contract's idle timeout: its receivers only read, and WSARENA_IDLE_TIMEOUT_S
 * (default 120 s) closes a connection that sends nothing: with WSARENA_IDLE_TIMEOUT_S=8 a receive-only /stream
 * subscriber was closed after 8–10 s by every stack but Bun (whose idle timer restarts when it sends), and a standard
 * soak on Deno lost its 10 receivers (1001) at about 129 s.
 */
export const SOAK_SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({ WSARENA_IDLE_TIMEOUT_S: "0" });
/** Sampling period of the RSS and latency trend. */
export const SOAK_SAMPLE_MS = 1_000;
/**
 * Ticks/s of the trend probe: one binary /stream subscriber in the runner process whose one-way latency is summarised
 * per second (the load generator reports one histogram per window). It runs unpinned in the runner, so read its trend,
 * not its level; the window's latency figure is the load generator's.
 */
export const SOAK_PROBE_RATE_PER_SEC = 200;

async function run(p: ScenarioPoint, ctx: ScenarioRunContext): Promise<ScenarioWindow> {
  const startMs = Date.now();
  const rss: Array<[number, number]> = [];
  const latency: Array<[number, number, number, number]> = [];
  let probe: StreamReader | null = null;
  const sample = () => {
    const t = Date.now() - startMs;
    const v = readRssBytes(ctx.server.pid);
    if (v !== null) rss.push([t, v]);
    if (probe?.latenciesUs.length) {
      const xs = probe.latenciesUs;
      probe.latenciesUs = [];
      latency.push([t, quantile(xs, 0.5), quantile(xs, 0.99), xs.length]);
    }
  };
  sample();
  const timer = setInterval(sample, SOAK_SAMPLE_MS);
  try {
    probe = await StreamReader.open({
      wsUrl: ctx.server.wsUrl,
      protocol: ctx.protocol,
      ratePerSec: SOAK_PROBE_RATE_PER_SEC,
      sizeBytes: 0,
      recordLatency: true,
    });
    const result = await ctx.runLoad(p.load);
    const ws = result.windowStartMs - startMs;
    const we = result.windowEndMs - startMs;
    const v = leakVerdict(
      samplesBetween(
        rss.map(([t, b]) => ({ tMs: t, value: b })),
        ws,
        we,
      ),
    );
    const p99: TrendSample[] = latency.map(([t, , q]) => ({ tMs: t, value: q }));
    const lf = fitSlope(samplesBetween(p99, ws, we));
    const details: SoakDetails = {
      startMs,
      sampleMs: SOAK_SAMPLE_MS,
      rss,
      latency,
      windowStartOffsetMs: ws,
      windowEndOffsetMs: we,
      rssSlopeKibPerMin: v.kibPerMin,
      rssSlopeCiKibPerMin: v.fit ? [bytesPerSecToKibPerMin(v.fit.ciLowPerSec), bytesPerSecToKibPerMin(v.fit.ciHighPerSec)] : null,
      rssSamples: v.fit?.n ?? 0,
      rssEffectiveSamples: v.fit?.effectiveN ?? 0,
      suspectedLeak: v.suspectedLeak,
      p99SlopeUsPerMin: lf ? lf.perSec * 60 : null,
      p99SlopeCiUsPerMin: lf ? [lf.ciLowPerSec * 60, lf.ciHighPerSec * 60] : null,
      probe: { received: probe.counts.received, gaps: probe.counts.gaps },
    };
    return { ...result, details, ...(v.suspectedLeak ? { flags: ["suspected-leak" as const] } : {}) };
  } finally {
    clearInterval(timer);
    probe?.close(true);
  }
}

export const soak: Scenario = {
  id: "soak",
  description:
    "A long steady stream (10 receivers × 1k ticks/s): server RSS and latency every second; a positive RSS slope beyond noise is flagged suspected-leak.",
  serverEnv: SOAK_SERVER_ENV,
  metric: () => ({ name: "p99Us", unit: "µs", better: "lower" }),
  value: (_p, r) => r.latency?.p99Us ?? Number.NaN,
  plan(profile: Profile): ScenarioPlan {
    const t = SOAK_TIMING[profile];
    return {
      params: { receivers: SOAK_RECEIVERS, ratePerConn: SOAK_RATE_PER_CONN, sampleMs: SOAK_SAMPLE_MS },
      points: [
        {
          key: `${SOAK_RECEIVERS}rx-${t.durationMs / 1000}s`,
          params: { receivers: SOAK_RECEIVERS, ratePerConn: SOAK_RATE_PER_CONN, soakMs: t.durationMs, warmupMs: t.warmupMs },
          kind: "latency",
          load: baseLoad(profile, {
            mode: "stream",
            connections: SOAK_RECEIVERS,
            size: 0,
            binary: false,
            stream: { format: "json", rate: SOAK_RATE_PER_CONN },
            ...t,
          }),
        },
      ],
    };
  },
  postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o), ...checkStatsOut(o)],
  run,
};
