// The machine's limits on a capacity run: the most users its OS limits allow (as the connections scenario reads them),
// and each step's loads spread over load workers and source addresses so that no process runs out of open files.
import { lowestLimit, planRamp } from "@wsarena/host";
import type { CapacityLimit, MachineLimits } from "@wsarena/results";
import type { PointLoad } from "../scenarios/types.ts";

/** Reads the machine's limits; `serverPid` = the server whose own open-file limit counts (readMachineLimits of @wsarena/host). */
export type CapacityLimitsReader = (serverPid?: number) => MachineLimits;

/**
 * The most users the lowest OS limit allows (its connections / connections per user, rounded down to whole groups of
 * `granularity` above one group), or null when no limit is readable.
 */
export function userLimit(limits: MachineLimits, connectionsPerUser: number, granularity: number): CapacityLimit | null {
  const lowest = lowestLimit(limits);
  if (!lowest) return null;
  const connections = Math.max(0, lowest.allows);
  let users = Math.floor(connections / connectionsPerUser);
  if (users > granularity) users -= users % granularity;
  return { cap: lowest.cap, value: lowest.value, connections, users, reason: `${lowest.reason} allows ${connections} connections` };
}

/** Connections one load opens. */
function connectionsOf(load: PointLoad): number {
  return load.mode === "pubsub" ? load.pubsub.subscribers + load.pubsub.publishers : load.connections;
}

/**
 * The loads of a step spread as planRamp spreads a ramp: each load over enough workers (never fewer than
 * `defaultWorkers`, what the load generator would start unasked), all of them over enough source addresses for their
 * sum. Loads that fit one worker and one address are returned unchanged.
 */
export function spreadLoads(loads: readonly PointLoad[], limits: MachineLimits, defaultWorkers: number): PointLoad[] {
  const total = loads.reduce((a, l) => a + connectionsOf(l), 0);
  const sourceAddresses = planRamp(total, limits).sourceAddresses;
  return loads.map((load) => {
    const workers = planRamp(connectionsOf(load), limits).workers;
    return {
      ...load,
      ...(workers > 1 ? { workers: Math.max(workers, defaultWorkers) } : {}),
      ...(sourceAddresses > 1 ? { sourceAddresses } : {}),
    };
  });
}
