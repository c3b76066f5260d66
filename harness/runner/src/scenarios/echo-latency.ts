// echo-latency: open-loop echo on an offered-rate ladder until the server saturates; coordinated-omission-corrected latency.
import { checkIntegrity, checkReceived, checkStatsIn, checkStatsOut } from "./checks.ts";
import { baseLoad, rateLabel } from "./common.ts";
import type { KneeScenario } from "../knee.ts";
import type { Profile, ScenarioPlan, ScenarioPoint, Timing, WindowOutcome } from "./types.ts";

/**
 * Offered msgs/s per connection: the connection count follows the rate, so that each 1 ms tick writes ~10 frames per
 * connection at high rates. 50 connections at 50k msg/s (one frame per write) kept the client core 87 % busy and
 * put its own scheduler lag (p99 13.6 ms) into the echo p99; 8 connections: 25 % busy, lag p99 0.96 ms.
 */
export const LATENCY_RATE_PER_CONNECTION = 10_000;
/** Bounds of the connection count of a latency point. */
export const LATENCY_MIN_CONNECTIONS = 4;
export const LATENCY_MAX_CONNECTIONS = 64;
/** Payload bytes (text). */
export const LATENCY_SIZE_BYTES = 64;
/** A point whose received rate is below this share of the offered rate is saturated; the ladder stops there. */
export const SATURATION_SHARE = 0.9;

/** Connections that carry `rateMsgsPerSec` in total (LATENCY_RATE_PER_CONNECTION each, within the bounds). */
export function latencyConnections(rateMsgsPerSec: number): number {
  return Math.min(LATENCY_MAX_CONNECTIONS, Math.max(LATENCY_MIN_CONNECTIONS, Math.ceil(rateMsgsPerSec / LATENCY_RATE_PER_CONNECTION)));
}

/**
 * Offered rates (msgs/s in total) per profile. Quick has one (its time budget; KNEE_BISECT_STEPS in ../knee.ts), so it
 * bounds the knee but does not find it; standard and full ladder, then bisect.
 */
export const ECHO_LATENCY_RATES: Readonly<Record<Profile, readonly number[]>> = {
  quick: [20_000],
  standard: [1_000, 10_000, 50_000, 100_000, 200_000, 400_000],
  full: [1_000, 10_000, 50_000, 100_000, 200_000, 400_000, 800_000, 1_600_000],
};

/** Warm-up and window of a bisection step: quick's are shorter than its points' to stay in its time budget; others use the profile's. */
export const KNEE_BISECT_TIMING: Readonly<Partial<Record<Profile, Timing>>> = Object.freeze({ quick: { warmupMs: 200, durationMs: 400 } });

/** The point offering `rate` msgs/s in total; `timing` overrides the profile's warm-up and window. */
export function latencyPoint(rate: number, profile: Profile, timing?: Timing): ScenarioPoint {
  const connections = latencyConnections(rate);
  return {
    key: `${rateLabel(rate)}/s`,
    // The offered load in full: total rate, connections, and the rate each connection carries.
    params: { rate, connections, ratePerConnection: rate / connections },
    kind: "latency",
    load: baseLoad(profile, { mode: "echo-open", connections, rate, size: LATENCY_SIZE_BYTES, binary: false, ...timing }),
  };
}

export const echoLatency: KneeScenario = {
  id: "echo-latency",
  description: "Open-loop echo at offered rates from 1k msg/s up until the server saturates: corrected p50/p90/p99/p99.9/max per rate.",
  metric: () => ({ name: "p99Us", unit: "µs", better: "lower" }),
  value: (_p, r) => r.latency?.p99Us ?? Number.NaN,
  plan(profile: Profile): ScenarioPlan {
    return {
      params: {
        ratePerConnection: LATENCY_RATE_PER_CONNECTION,
        minConnections: LATENCY_MIN_CONNECTIONS,
        maxConnections: LATENCY_MAX_CONNECTIONS,
        size: LATENCY_SIZE_BYTES,
        binary: false,
        saturationShare: SATURATION_SHARE,
      },
      points: ECHO_LATENCY_RATES[profile].map((rate) => latencyPoint(rate, profile)),
    };
  },
  postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o), ...checkStatsIn(o), ...checkStatsOut(o)],
  saturated: (o: WindowOutcome) => o.result.msgsPerSec < SATURATION_SHARE * o.point.load.rate,
  knee: { pointAt: (rate, profile) => latencyPoint(rate, profile, KNEE_BISECT_TIMING[profile]) },
};
