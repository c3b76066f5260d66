// echo-latency: open-loop echo on an offered-rate ladder until the server saturates; coordinated-omission-corrected latency.
import { checkIntegrity, checkReceived, checkStatsIn, checkStatsOut } from "./checks.ts";
import { baseLoad, rateLabel } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, WindowOutcome } from "./types.ts";

/** Connections sharing the offered rate. */
export const LATENCY_CONNECTIONS = 50;
/** Payload bytes (text). */
export const LATENCY_SIZE_BYTES = 64;
/** A point whose received rate is below this share of the offered rate is saturated; the ladder stops there. */
export const SATURATION_SHARE = 0.9;

/** Connections that carry `rateMsgsPerSec` in total. */
export function latencyConnections(_rateMsgsPerSec: number): number {
  return LATENCY_CONNECTIONS;
}

/** Offered rates (msgs/s in total) per profile. */
export const ECHO_LATENCY_RATES: Readonly<Record<Profile, readonly number[]>> = {
  quick: [20_000],
  standard: [1_000, 10_000, 50_000, 100_000, 200_000, 400_000],
  full: [1_000, 10_000, 50_000, 100_000, 200_000, 400_000, 800_000, 1_600_000],
};

export const echoLatency: Scenario = {
  id: "echo-latency",
  description: "Open-loop echo at offered rates from 1k msg/s up until the server saturates: corrected p50/p90/p99/p99.9/max per rate.",
  metric: () => ({ name: "p99Us", unit: "µs", better: "lower" }),
  value: (_p, r) => r.latency?.p99Us ?? Number.NaN,
  plan(profile: Profile): ScenarioPlan {
    return {
      params: { connections: LATENCY_CONNECTIONS, size: LATENCY_SIZE_BYTES, binary: false, saturationShare: SATURATION_SHARE },
      points: ECHO_LATENCY_RATES[profile].map((rate) => ({
        key: `${rateLabel(rate)}/s`,
        params: { rate },
        kind: "latency",
        load: baseLoad(profile, { mode: "echo-open", connections: latencyConnections(rate), rate, size: LATENCY_SIZE_BYTES, binary: false }),
      })),
    };
  },
  postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o), ...checkStatsIn(o), ...checkStatsOut(o)],
  saturated: (o: WindowOutcome) => o.result.msgsPerSec < SATURATION_SHARE * o.point.load.rate,
};
