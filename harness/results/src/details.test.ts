import { describe, expect, it } from "vitest";
import { DETAILS_SCHEMAS, detailsOf, type ConnectionsDetails, type HostileDetails } from "./details.ts";
import { SCENARIO_IDS } from "./scenarios.ts";

const holdCpu = { windowMs: 3000, coreBusyPct: 10, processCpuPct: 5, inHold: true };
const connections: ConnectionsDetails = {
  limits: {
    serverOpenFiles: { soft: 1024, hard: 4096 },
    clientOpenFiles: { soft: 1024, hard: null },
    ephemeralPorts: { low: 32768, high: 60999 },
    memAvailableBytes: 1e9,
    fileMax: null,
  },
  ramp: { requested: 500, connections: 500, cappedBy: "profile", reason: "no limit is lower than the profile's 500", workers: 1, sourceAddresses: 1 },
  heldConnections: 500,
  stoppedBy: null,
  rssBeforeBytes: 1e7,
  rssHeldBytes: 2e7,
  rssAfterGcBytes: 1.5e7,
  rssPerConnectionBytes: 2e4,
  rssPerConnectionAfterGcBytes: 1e4,
  off: holdCpu,
  heartbeat: {
    intervalS: 1,
    heldConnections: 500,
    on: holdCpu,
    costCpuPct: 1,
    costCoreBusyPct: 2,
    pingsPerSec: 500,
    cpuUsPerPing: 20,
    closedDuringHold: 0,
    connectPerSec: 4000,
  },
  heartbeatSkipped: null,
};
const hostile: HostileDetails = {
  seed: 1,
  inputsPlanned: 2,
  inputsSent: 2,
  outcomesByClass: { unmasked: { "close:1002": 2 } },
  verdictsByClass: { unmasked: { contract: 2, deviation: 0, unexpected: 0 } },
  accountedPct: 100,
  verdicts: { contract: 2, deviation: 0, unexpected: 0 },
  unexpected: [],
  deaths: 0,
  bystanderFailures: [],
  rssBeforeBytes: null,
  rssAfterBytes: null,
  rssSlopeKiBPerMin: 0,
};
/** What a repetition looks like after a JSON round trip (as read from a result file). */
const stored = (details: unknown) => ({ details: JSON.parse(JSON.stringify(details)) as unknown });

describe("detailsOf", () => {
  it("has a schema only for known scenario ids (and the capacity step)", () => {
    for (const id of Object.keys(DETAILS_SCHEMAS)) expect([...SCENARIO_IDS, "capacity"]).toContain(id);
  });

  it("returns the details typed by their scenario's schema", () => {
    expect(detailsOf("connections", stored(connections))).toEqual(connections);
    expect(detailsOf("hostile", stored(hostile))?.verdicts.contract).toBe(2);
  });

  it("returns null without details, and for details of another scenario", () => {
    expect(detailsOf("connections", {})).toBeNull();
    expect(detailsOf("connections", undefined)).toBeNull();
    expect(detailsOf("connections", stored(hostile))).toBeNull();
    expect(detailsOf("hostile", stored(connections))).toBeNull();
    expect(detailsOf("burst", stored({ ...hostile, kind: "reconnect" }))).toBeNull();
  });

  it("reads result sets written before later fields existed", () => {
    const { costCpuPct: _cpu, costCoreBusyPct: _core, ...oldHeartbeat } = connections.heartbeat!;
    const { inHold: _hold, ...oldOff } = connections.off;
    const old = detailsOf("connections", stored({ ...connections, off: oldOff, heartbeat: { ...oldHeartbeat, costCorePct: 3 } }));
    expect(old?.heartbeat?.costCpuPct).toBeUndefined();
    expect(old?.off.inHold).toBeUndefined();
    const { accountedPct: _pct, ...oldHostile } = hostile;
    expect(detailsOf("hostile", stored(oldHostile))?.inputsSent).toBe(2);
  });

  it("rejects details missing a field every version wrote", () => {
    const { ramp: _ramp, ...noRamp } = connections;
    expect(detailsOf("connections", stored(noRamp))).toBeNull();
    expect(detailsOf("hostile", stored({ ...hostile, verdicts: { contract: 2 } }))).toBeNull();
  });

  it("gives the same answer for the same details object each time", () => {
    const rep = stored(connections);
    expect(detailsOf("connections", rep)).toBe(detailsOf("connections", rep));
  });
});
