// A small real ramp: the connections scenario against a real server (ws) on 127.0.0.1, with a heartbeat phase.
import { runLoad } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, killAllServers, launchServer, type LaunchedServer } from "@wsarena/stacks";
import { detailsOf } from "@wsarena/results";
import { measurePoint } from "../measure.ts";
import { connections, connectionsDetails, CONNECTIONS_SERVER_ENV } from "./connections.ts";

/** Connections of the small ramp: a few hundred, so it runs in seconds next to other work. */
const SMALL_RAMP = 300;

/** measurePoint's context for the connections scenario on `server`, unpinned and without the quiet gate. */
function unpinned(server: LaunchedServer, load: typeof runLoad) {
  return {
    scenario: connections,
    server,
    protocol: "ws" as const,
    driver: "frame" as const,
    serverCpus: [],
    clientCpus: undefined,
    clientCoreList: [],
    rep: 0,
    runLoad: load,
    quietGate: false,
  };
}

afterAll(() => {
  killAllServers();
});

describe("connections scenario (real server)", () => {
  it("ramps to the requested count, measures RSS after POST /gc, and holds the same count on a second server with pings every second", async () => {
    const stack = discoverStacks().find((s) => s.id === "ws")!;
    const server = await launchServer(stack, { env: { ...CONNECTIONS_SERVER_ENV } });
    try {
      const planned = connections.plan("quick").points[0]!;
      const point = { ...planned, params: { ...planned.params, requestedConnections: SMALL_RAMP, heartbeatIntervalS: 1 } };
      const { record, outcome } = await measurePoint(point, {
        ...unpinned(server, runLoad),
        launchServer: (o) => launchServer(stack, { ...o, env: { ...CONNECTIONS_SERVER_ENV, ...o?.env } }),
      });
      const d = connectionsDetails(outcome.result)!;
      expect(d.ramp).toMatchObject({ requested: SMALL_RAMP, connections: SMALL_RAMP, cappedBy: "profile" });
      expect(record.connect.succeeded).toBe(SMALL_RAMP);
      expect(d.heldConnections).toBe(SMALL_RAMP);
      expect(d.stoppedBy).toBeNull();
      expect(d.off.inHold).toBe(true);
      expect(d.rssAfterGcBytes).toBeGreaterThan(0);
      expect(d.rssPerConnectionAfterGcBytes).not.toBeNull();
      expect(d.limits.serverOpenFiles.soft === null || d.limits.serverOpenFiles.soft > SMALL_RAMP).toBe(true);
      expect(d.heartbeat).toMatchObject({ intervalS: 1, heldConnections: SMALL_RAMP, closedDuringHold: 0, pingsPerSec: SMALL_RAMP });
      expect(record.postcondition).toEqual({ ok: true, failures: [] });
      expect(record.details).toBe(d);
      // What the runner wrote is what the report reads: the details parse with the connections schema after a JSON round trip.
      expect(detailsOf("connections", JSON.parse(JSON.stringify(record)))).toEqual(d);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it("reports a load that fails during the ramp as that error, without an unhandled rejection", async () => {
    const stack = discoverStacks().find((s) => s.id === "ws")!;
    const server = await launchServer(stack, { env: { ...CONNECTIONS_SERVER_ENV } });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const planned = connections.plan("quick").points[0]!;
      const point = { ...planned, params: { ...planned.params, requestedConnections: SMALL_RAMP, heartbeatIntervalS: 0 } };
      const failing = () => new Promise<never>((_, rej) => setTimeout(() => rej(new Error("load run passed its hard timeout")), 50));
      const run = measurePoint(point, unpinned(server, failing));
      await expect(run).rejects.toThrow(/hard timeout/);
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await server.stop();
    }
  }, 60_000);
});
