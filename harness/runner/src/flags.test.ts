import { describe as suite, expect, it } from "vitest";
import { computeFlags, describe, unionFlags, varianceFlags, type FlagInput } from "./flags.ts";

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
