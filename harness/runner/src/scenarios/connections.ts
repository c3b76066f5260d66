// connections: ramp to N idle connections; connect-time percentiles, connections/s and RSS per connection after the ramp.
import { baseLoad } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, WindowOutcome } from "./types.ts";

/** Source addresses needed so that no address exceeds this many connections (ephemeral ports run out near 28k). */
export const CONNECTIONS_PER_SOURCE_ADDRESS = 20_000;

/** Connections and hold time per profile. */
export const CONNECTIONS_POINTS: Readonly<Record<Profile, ReadonlyArray<{ connections: number; holdMs: number }>>> = {
  quick: [{ connections: 1_000, holdMs: 200 }],
  standard: [{ connections: 10_000, holdMs: 1_000 }],
  full: [
    { connections: 10_000, holdMs: 1_000 },
    { connections: 50_000, holdMs: 2_000 },
  ],
};

/** Every connection succeeded and the server accepted them all. */
function checkAllConnected(o: WindowOutcome): string[] {
  const c = o.result.connect;
  const n = o.point.load.connections;
  const out: string[] = [];
  if (c.succeeded !== n || c.failed > 0) out.push(`${c.succeeded} of ${n} connections succeeded, ${c.failed} failed${c.errors.length ? ` (${c.errors.slice(0, 3).join("; ")})` : ""}`);
  if (o.statsBefore && o.statsAfter) {
    const accepted = o.statsAfter.connectionsTotal - o.statsBefore.connectionsTotal;
    if (accepted < c.succeeded) out.push(`/stats connectionsTotal grew by ${accepted}, fewer than the ${c.succeeded} connections the client opened`);
  }
  return out;
}

export const connections: Scenario = {
  id: "connections",
  description: "Ramp to N idle connections: connect-time percentiles, connections per second and server RSS per connection.",
  metric: () => ({ name: "connectPerSec", unit: "conn/s", better: "higher" }),
  value: (_p, r) => r.connect.perSec,
  plan(profile: Profile): ScenarioPlan {
    return {
      params: {},
      points: CONNECTIONS_POINTS[profile].map(({ connections: n, holdMs }) => ({
        key: `${n}conn`,
        params: { connections: n, holdMs },
        kind: "connections",
        load: baseLoad(profile, { mode: "connections", connections: n, holdMs, warmupMs: 0, sourceAddresses: Math.ceil(n / CONNECTIONS_PER_SOURCE_ADDRESS) }),
      })),
    };
  },
  postcondition: (o) => checkAllConnected(o),
};
