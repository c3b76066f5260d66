// stream-json and stream-binary: server-pushed ticks to K receivers, at max rate (delivered msgs/s) and at fixed rates (one-way latency).
import { checkIntegrity, checkReceived, checkStatsOut } from "./checks.ts";
import { baseLoad, rateLabel } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint } from "./types.ts";

/** A stream point: K receivers at a per-connection tick rate (0 = as fast as backpressure allows). */
export interface StreamPointSpec {
  receivers: number;
  /** Ticks per second per receiver; 0 = max rate. */
  ratePerConn: number;
}

/**
 * Points per profile (same for both formats). Fixed-rate points are sized for one client core: a tick is mostly one
 * socket read on the client, so the delivered total (receivers × rate) stays well below the client-loaded rule; max-rate
 * points measure how fast the server pushes (the client reads many ticks per read there).
 */
export const STREAM_POINTS: Readonly<Record<Profile, readonly StreamPointSpec[]>> = {
  quick: [{ receivers: 10, ratePerConn: 0 }],
  standard: [
    { receivers: 10, ratePerConn: 0 },
    { receivers: 100, ratePerConn: 300 },
  ],
  full: [
    { receivers: 10, ratePerConn: 0 },
    { receivers: 100, ratePerConn: 0 },
    { receivers: 10, ratePerConn: 1_000 },
    { receivers: 100, ratePerConn: 300 },
    { receivers: 1_000, ratePerConn: 30 },
  ],
};

/** Builds the stream scenario of one tick format (stream-json.ts and stream-binary.ts export the two instances). */
export function makeStream(format: "json" | "binary"): Scenario {
  const isMax = (p: ScenarioPoint) => p.load.stream.rate === 0;
  return {
    id: `stream-${format}`,
    description: `Server-pushed ${format} market ticks to K receivers: delivered ticks/s at max rate, one-way latency at fixed rates.`,
    metric: (p) => (isMax(p) ? { name: "msgsPerSec", unit: "msg/s", better: "higher" } : { name: "p99Us", unit: "µs", better: "lower" }),
    value: (p, r) => (isMax(p) ? r.msgsPerSec : (r.latency?.p99Us ?? Number.NaN)),
    plan(profile: Profile): ScenarioPlan {
      return {
        params: { format },
        points: STREAM_POINTS[profile].map(({ receivers, ratePerConn }) => ({
          key: ratePerConn === 0 ? `${receivers}rx-max` : `${receivers}rx-${rateLabel(ratePerConn)}/s`,
          params: { receivers, ratePerConn, offeredPerSec: receivers * ratePerConn },
          kind: ratePerConn === 0 ? "throughput" : "latency",
          load: baseLoad(profile, { mode: "stream", connections: receivers, size: 0, binary: format === "binary", stream: { format, rate: ratePerConn } }),
        })),
      };
    },
    postcondition: (o) => [...checkReceived(o), ...checkIntegrity(o), ...checkStatsOut(o)],
  };
}
