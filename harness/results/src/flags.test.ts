import { describe as suite, expect, it } from "vitest";
import { computeFlags, describe, unionFlags, varianceFlags, atFloorPercentiles, type FlagInput } from "./flags.ts";
import { AT_FLOOR_FACTOR } from "./flag-table.ts";
import type { FloorRecord, LatencySummaryRecord } from "./schema.ts";

const clean = { sent: 1000, received: 1000, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 };
const base: FlagInput = { kind: "throughput", serverBusyPct: 99, clientUtilisation: 0.5, integrity: clean, errors: [], postconditionFailures: [] };

suite("computeFlags", () => {
  it("gives no flag to a server-bound throughput window with intact messages", () => {
    expect(computeFlags(base)).toEqual([]);
  });
  it("flags client-bound when the client is >= 85% busy and the server < 90%", () => {
    expect(computeFlags({ ...base, serverBusyPct: 60, clientUtilisation: 0.97 })).toEqual(["client-bound"]);
    expect(computeFlags({ ...base, serverBusyPct: 60, clientUtilisation: 0.85 })).toEqual(["client-bound"]);
  });
  it("does not flag client-bound when both sides are saturated", () => {
    expect(computeFlags({ ...base, serverBusyPct: 95, clientUtilisation: 0.99 })).toEqual([]);
  });
  it("flags not-saturated for a throughput window where neither side was busy", () => {
    expect(computeFlags({ ...base, serverBusyPct: 40, clientUtilisation: 0.3 })).toEqual(["not-saturated"]);
  });
  it("does not flag not-saturated for latency or connection points at a fixed load", () => {
    expect(computeFlags({ ...base, kind: "latency", serverBusyPct: 10, clientUtilisation: 0.1 })).toEqual([]);
    expect(computeFlags({ ...base, kind: "connections", serverBusyPct: 10, clientUtilisation: 0.1 })).toEqual([]);
  });
  it("flags integrity for any lost, duplicated, reordered or corrupted message", () => {
    for (const k of ["lost", "duplicated", "reordered", "corrupted"] as const) {
      expect(computeFlags({ ...base, integrity: { ...clean, [k]: 1 } })).toEqual(["integrity"]);
    }
  });
  it("flags errors for load errors and for failed postconditions", () => {
    expect(computeFlags({ ...base, errors: ["connection reset"] })).toEqual(["errors"]);
    expect(computeFlags({ ...base, postconditionFailures: ["/stats messagesOut 10 < received 20"] })).toEqual(["errors"]);
  });
  it("does not flag client-bound on a connections point (measured over an idle hold)", () => {
    expect(computeFlags({ ...base, kind: "connections", serverBusyPct: 20, clientUtilisation: 0.95 })).toEqual([]);
  });
  it("does not claim client-bound when the server could not be sampled", () => {
    expect(computeFlags({ ...base, serverBusyPct: null, clientUtilisation: 0.99 })).toEqual([]);
  });
});

suite("varianceFlags", () => {
  it("flags a coefficient of variation above 10%", () => {
    expect(varianceFlags([100, 130])).toEqual(["high-variance"]);
  });
  it("accepts repetitions within 10%", () => {
    expect(varianceFlags([100, 104, 98])).toEqual([]);
  });
  it("never flags a single repetition", () => {
    expect(varianceFlags([5])).toEqual([]);
  });
});

suite("describe", () => {
  it("computes median, sample stdev and cv", () => {
    const d = describe([1, 2, 3, 4]);
    expect(d.median).toBe(2.5);
    expect(d.mean).toBe(2.5);
    expect(d.stdev).toBeCloseTo(1.2909944, 6);
    expect(d.cv).toBeCloseTo(0.5163978, 6);
    expect([d.min, d.max, d.n]).toEqual([1, 4, 4]);
  });
});

suite("unionFlags", () => {
  it("merges without duplicates in a stable order", () => {
    expect(unionFlags(["errors", "client-bound"], ["high-variance", "errors"])).toEqual(["client-bound", "errors", "high-variance"]);
  });
});

suite("client-loaded", () => {
  const latency: FlagInput = { ...base, kind: "latency", serverBusyPct: 20, clientUtilisation: 0.2, schedulerLagUs: 100, latencyUs: 2_000 };
  it("does not flag a latency point with a small scheduler lag", () => {
    expect(computeFlags(latency)).toEqual([]);
  });
  it("does not flag a busy client core by itself: the busy share is not evidence of the client's own delay", () => {
    expect(computeFlags({ ...latency, clientUtilisation: 0.5 })).toEqual([]);
    expect(computeFlags({ ...latency, clientUtilisation: 0.8 })).toEqual([]);
  });
  it("flags a latency point whose scheduler lag exceeds 25 % of the measured latency at the same percentile", () => {
    expect(computeFlags({ ...latency, schedulerLagUs: 501 })).toEqual(["client-loaded"]);
    expect(computeFlags({ ...latency, schedulerLagUs: 500 })).toEqual([]);
  });
  it("does not flag a window without a recorded lag (no evidence)", () => {
    expect(computeFlags({ ...latency, schedulerLagUs: null })).toEqual([]);
  });
  it("keeps client-bound beside it when the client is saturated and the server is not", () => {
    expect(computeFlags({ ...latency, clientUtilisation: 0.9, schedulerLagUs: 900 })).toEqual(["client-bound", "client-loaded"]);
  });
  it("does not apply to throughput points (client-bound and not-saturated judge those)", () => {
    expect(computeFlags({ ...base, clientUtilisation: 0.6, schedulerLagUs: 900, latencyUs: 1_000 })).toEqual([]);
  });
});

/** A floor record of one core whose lateness percentiles are `pct`. */
function floor(cpu: number, pct: Partial<LatencySummaryRecord>): FloorRecord {
  const summary = { count: 1000, minUs: 1, meanUs: 50, p50Us: 50, p90Us: 100, p99Us: 400, p999Us: 2_000, maxUs: 8_000, ...pct };
  return { cpu, role: cpu === 0 ? "server" : "client", intervalUs: 1000, lateness: { summary, histogram: null }, probeCpuPct: 0.5 };
}

suite("atFloorPercentiles", () => {
  const latency: LatencySummaryRecord = { count: 5000, minUs: 30, meanUs: 200, p50Us: 90, p90Us: 300, p99Us: 900, p999Us: 5_000, maxUs: 40_000 };
  it("lists the percentiles within 2x of the worst pinned core's same percentile", () => {
    // Worst core per percentile: p50 60, p90 100, p99 500, p99.9 2000, max 8000 → 2x: 120, 200, 1000, 4000, 16000.
    expect(atFloorPercentiles(latency, [floor(0, { p50Us: 60 }), floor(1, { p99Us: 500 })])).toEqual(["p50Us", "p99Us"]);
    expect(AT_FLOOR_FACTOR).toBe(2);
  });
  it("is empty without a floor, without latency, or when the floor recorded nothing", () => {
    expect(atFloorPercentiles(latency, [])).toEqual([]);
    expect(atFloorPercentiles(null, [floor(0, {})])).toEqual([]);
    expect(atFloorPercentiles(latency, [floor(0, { count: 0, p50Us: 1e6 })])).toEqual([]);
  });
});

suite("at-floor", () => {
  it("flags a latency point whose headline percentile is at the floor, and only latency points", () => {
    expect(computeFlags({ ...base, kind: "latency", serverBusyPct: 10, clientUtilisation: 0.1, headlineAtFloor: true })).toEqual(["at-floor"]);
    expect(computeFlags({ ...base, kind: "latency", serverBusyPct: 10, clientUtilisation: 0.1, headlineAtFloor: false })).toEqual([]);
    expect(computeFlags({ ...base, headlineAtFloor: true })).toEqual([]);
  });
});
