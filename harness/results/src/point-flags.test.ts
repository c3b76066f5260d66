import { describe as suite, expect, it } from "vitest";
import { decidePercentile, pointFlagsOf, windowFlagsAt, type LatencyWindow } from "./point-flags.ts";
import { POINT_FLAG_RULE } from "./flag-table.ts";
import type { FloorRecord, LatencySummaryRecord } from "./schema.ts";

const summary = (p50: number, p90: number, p99: number): LatencySummaryRecord => ({
  count: 1000,
  minUs: 1,
  meanUs: p50,
  p50Us: p50,
  p90Us: p90,
  p99Us: p99,
  p999Us: p99 * 2,
  maxUs: p99 * 4,
});
const floorOf = (p50: number, p90: number, p99: number): FloorRecord => ({
  cpu: 0,
  role: "server",
  intervalUs: 1000,
  lateness: { summary: summary(p50, p90, p99), histogram: null },
  probeCpuPct: 0.5,
});

/** A window with latency percentiles `lat`, a floor `fl` and an optional scheduler lag (all p50, p90, p99 in µs). */
function win(lat: [number, number, number], fl: [number, number, number], lag?: [number, number, number]): LatencyWindow {
  return { latency: summary(...lat), floor: [floorOf(...fl)], schedulerLag: lag ? { summary: summary(...lag), histogram: null } : null };
}

const FLOOR: [number, number, number] = [70, 150, 1_000];

suite("decidePercentile", () => {
  it("decides at p99 when every stack's p99 stands clear of its floor", () => {
    const d = decidePercentile([
      { stack: "a", windows: [win([200, 400, 3_000], FLOOR), win([200, 400, 3_100], FLOOR)] },
      { stack: "b", windows: [win([300, 600, 5_000], FLOOR), win([300, 600, 5_200], FLOOR)] },
    ]);
    expect(d).toEqual({ percentile: "p99Us", passed: [], fallback: false, atFloor: [] });
  });
  it("falls to p90 when one stack's p99 is at the floor, naming it", () => {
    const d = decidePercentile([
      { stack: "a", windows: [win([200, 400, 1_500], FLOOR), win([200, 400, 1_900], FLOOR)] },
      { stack: "b", windows: [win([300, 600, 5_000], FLOOR), win([300, 600, 5_200], FLOOR)] },
    ]);
    expect(d).toEqual({ percentile: "p90Us", passed: [{ percentile: "p99Us", atFloor: ["a"] }], fallback: false, atFloor: [] });
  });
  it("falls to p50 when p99 and p90 are at the floor", () => {
    const d = decidePercentile([{ stack: "a", windows: [win([200, 250, 1_500], FLOOR)] }]);
    expect(d.percentile).toBe("p50Us");
    expect(d.passed.map((x) => x.percentile)).toEqual(["p99Us", "p90Us"]);
  });
  it("counts a stack at the floor only when more than half of its windows are", () => {
    const oneOfThree = [win([200, 400, 1_500], FLOOR), win([200, 400, 3_000], FLOOR), win([200, 400, 3_000], FLOOR)];
    expect(decidePercentile([{ stack: "a", windows: oneOfThree }]).percentile).toBe("p99Us");
    const twoOfThree = [win([200, 400, 1_500], FLOOR), win([200, 400, 1_500], FLOOR), win([200, 400, 3_000], FLOOR)];
    expect(decidePercentile([{ stack: "a", windows: twoOfThree }]).percentile).toBe("p90Us");
  });
  it("compares each window with the floor measured in the same window", () => {
    // p99 3 ms is 3× a 1 ms floor but within 2× of a 2 ms floor: the second window is at the floor.
    const w = [win([200, 400, 3_000], [70, 150, 2_000]), win([200, 400, 3_000], [70, 150, 2_000]), win([200, 400, 3_000], FLOOR)];
    expect(decidePercentile([{ stack: "a", windows: w }]).percentile).toBe("p90Us");
  });
  it("when no percentile is clear for every stack, takes the one with the fewest at the floor and says so", () => {
    const d = decidePercentile([
      { stack: "a", windows: [win([100, 200, 1_500], FLOOR)] },
      { stack: "b", windows: [win([100, 600, 1_500], FLOOR)] },
    ]);
    expect(d.percentile).toBe("p90Us");
    expect(d.fallback).toBe(true);
    expect(d.passed).toEqual([{ percentile: "p99Us", atFloor: ["a", "b"] }]);
    expect(d.atFloor).toEqual(["a"]);
  });
  it("decides at p99 when no floor was measured (nothing to be at)", () => {
    expect(decidePercentile([{ stack: "a", windows: [{ ...win([1, 2, 3], FLOOR), floor: [] }] }]).percentile).toBe("p99Us");
  });
});

suite("windowFlagsAt", () => {
  it("recomputes at-floor and client-loaded at the given percentile and keeps the other flags", () => {
    const w = { ...win([200, 400, 1_500], FLOOR, [20, 150, 400]), flags: ["at-floor", "client-loaded", "errors"] as const };
    expect(windowFlagsAt({ ...w, flags: [...w.flags] }, "p99Us")).toEqual(["client-loaded", "at-floor", "errors"]);
    // At p90: 400 µs is 2.7× a 150 µs floor, lag 150 µs is 38 % of 400 µs.
    expect(windowFlagsAt({ ...w, flags: [...w.flags] }, "p90Us")).toEqual(["client-loaded", "errors"]);
    // At p50: lag 20 µs is 10 % of 200 µs; 200 µs is 2.9× the 70 µs floor.
    expect(windowFlagsAt({ ...w, flags: [...w.flags] }, "p50Us")).toEqual(["errors"]);
  });
});

suite("pointFlagsOf", () => {
  it("marks a point with a majority flag only when more than half of its repetitions fired it", () => {
    expect(pointFlagsOf([["client-loaded"], [], [], []], [1, 1, 1, 1])).toEqual([]);
    expect(pointFlagsOf([["client-loaded"], ["client-loaded"], [], []], [1, 1, 1, 1])).toEqual([]);
    expect(pointFlagsOf([["client-loaded"], ["client-loaded"], ["client-loaded"], []], [1, 1, 1, 1])).toEqual(["client-loaded"]);
    expect(pointFlagsOf([["at-floor"], ["at-floor"], []], [1, 1, 1])).toEqual(["at-floor"]);
  });
  it("marks a point with integrity or errors when any repetition fired them", () => {
    expect(pointFlagsOf([["integrity"], [], [], []], [1, 1, 1, 1])).toEqual(["integrity"]);
    expect(pointFlagsOf([[], ["errors"], []], [1, 1, 1])).toEqual(["errors"]);
  });
  it("judges high-variance on the point's values, not on repetitions' flags", () => {
    expect(pointFlagsOf([["high-variance"], ["high-variance"]], [1, 1])).toEqual([]);
    expect(pointFlagsOf([[], []], [1, 2])).toEqual(["high-variance"]);
  });
  it("states the rule with every flag in it", () => {
    for (const f of ["integrity", "errors", "client-loaded", "at-floor", "client-bound", "high-variance"]) expect(POINT_FLAG_RULE).toContain(f);
  });
});
