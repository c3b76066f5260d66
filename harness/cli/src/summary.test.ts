import { SCHEMA_VERSION, type MeasurementRecord, type ValidityFlag } from "@wsarena/results";
import { summarizeSample } from "@wsarena/stats";
import { QUIET_REPETITION_FIELDS } from "@wsarena/report/test-support";
import { describe, expect, it } from "vitest";
import { formatSummary, rankPoints } from "./summary.ts";

function m(stack: string, values: number[], flags: ValidityFlag[] = [], better: "higher" | "lower" = "higher"): MeasurementRecord {
  const rep = (v: number, i: number) => ({
    rep: i,
    serverPid: 1,
    windowStartMs: 0,
    windowEndMs: 1000,
    durationMs: 1000,
    msgsPerSec: v,
    bytesPerSec: 0,
    sentPerSec: v,
    latency: null,
    histogram: null,
    integrity: { sent: 1, received: 1, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
    connect: { attempted: 1, succeeded: 1, failed: 0, perSec: 1, p50Us: 1, p90Us: 1, p99Us: 1, maxUs: 1, errors: [] },
    clientCpu: { cpus: "1", workers: 1, cpuSeconds: 0.5, utilisation: 0.5, perWorkerCpuSeconds: [0.5] },
    server: null,
    ...QUIET_REPETITION_FIELDS,
    flags,
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: "r",
    stack,
    displayName: stack,
    version: "1",
    runtime: "node",
    protocol: "ws",
    approach: "idiomatic",
    scenario: "echo-throughput",
    driver: "frame",
    profile: "quick",
    params: {},
    status: "ok",
    partial: false,
    flags,
    points: [
      {
        key: "64B-text",
        params: {},
        reps: values.map(rep),
        summary: { metric: "msgsPerSec", unit: "msg/s", better, ...summarizeSample(values) },
        flags,
        stop: "fixed",
      },
    ],
    startedAt: null,
    updatedAt: "",
  };
}

describe("rankPoints", () => {
  it("ranks higher-is-better figures best first with ratios to the best, by ratio intervals", () => {
    const [p] = rankPoints([m("a", [100, 102, 98]), m("b", [400, 410, 395]), m("c", [200, 195, 205])]);
    expect(p!.rows.map((r) => [r.stack, r.rank, r.ratio?.toFixed(2)])).toEqual([
      ["b", 1, "1.00"],
      ["c", 2, "0.50"],
      ["a", 3, "0.25"],
    ]);
    expect(p!.verdict.winner).toBe("b");
    expect(p!.verdictLine).toBe("b > c (×2.01, 97.5 % CI 1.90–2.13) > a (×2.00, 95 % CI 1.91–2.10)");
  });
  it("ranks a high-variance figure when the gap is decided, and keeps a client-bound one out", () => {
    const [p] = rankPoints([
      m("slow", [100, 120, 85, 110], ["high-variance"]),
      m("fast", [900, 1100, 750, 1000], ["high-variance"]),
      m("bound", [2000, 2100, 1900], ["client-bound"]),
    ]);
    expect(p!.rows.map((r) => [r.stack, r.rank, r.unranked])).toEqual([
      ["fast", 1, null],
      ["slow", 2, null],
      ["bound", null, "client-bound"],
    ]);
    // bound's figure is higher, but the client set it: no winner is named.
    expect(p!.verdict.winner).toBeNull();
  });
  it("gives tied stacks the same rank", () => {
    const [p] = rankPoints([m("a", [100, 104, 97]), m("b", [101, 98, 103]), m("c", [50, 52, 49])]);
    expect(p!.rows.map((r) => `${r.stack}:${r.rank}${r.tied ? "=" : ""}`)).toEqual(["b:1=", "a:1=", "c:2"]);
  });
  it("ranks lower-is-better figures (latency) smallest first", () => {
    const [p] = rankPoints([m("slow", [900, 950, 880], [], "lower"), m("quick", [300, 310, 290], [], "lower")]);
    expect(p!.rows.map((r) => r.stack)).toEqual(["quick", "slow"]);
    expect(p!.rows[1]!.ratio).toBeCloseTo(3, 0);
  });
});

describe("formatSummary", () => {
  it("prints the verdict line, the decision, and why a figure is unranked", () => {
    const text = formatSummary([m("x", [5, 5.1, 4.9], ["integrity"]), m("y", [6, 6.2, 5.9], ["high-variance"]), m("z", [3, 3.1, 2.9])]);
    expect(text).toContain("UNRANKED: integrity");
    expect(text).toContain("caveat: high-variance");
    expect(text).toMatch(/verdict: y > z \(×[\d.]+, 95 % CI [\d.]+–[\d.]+\); caveats: y high-variance; unranked: x \(integrity\)\nwinner: y/);
  });
  it("heads a point with its recorded load shape, and an older point without one as before", () => {
    const shaped = (stack: string, v: number[]): MeasurementRecord => {
      const r = m(stack, v);
      return { ...r, points: r.points.map((p) => ({ ...p, loadShape: "one-per-write" as const })) };
    };
    const text = formatSummary([shaped("x", [5, 5.1, 4.9]), shaped("y", [6, 6.2, 5.9])]);
    expect(text.split("\n")[0]).toBe("echo-throughput · 64B-text one-per-write");
    expect(rankPoints([shaped("x", [5, 5.1, 4.9])])[0]!.loadShape).toBe("one-per-write");
    expect(formatSummary([m("x", [5, 5.1, 4.9])]).split("\n")[0]).toBe("echo-throughput · 64B-text");
  });
  it("keeps an unranked figure's caveats beside its reason", () => {
    expect(formatSummary([m("x", [5, 5.1, 4.9], ["at-floor", "suspected-leak"]), m("y", [6, 6.2, 5.9])])).toMatch(
      /UNRANKED: at-floor[^;\n]*; caveat: suspected-leak/,
    );
  });
  it("says why there is no winner when nothing can be ranked", () => {
    expect(formatSummary([m("x", [5, 5], ["integrity"])])).toContain("no decision: no figure can be ranked");
  });
  it("lists measurements that were not ok with their reason", () => {
    const bad = { ...m("z", [1]), status: "invalid" as const, reason: "failed verification (smoke): echo.text: no echo", points: [] };
    expect(formatSummary([m("x", [5]), bad])).toContain("echo-throughput z: invalid — failed verification (smoke): echo.text: no echo");
  });
});

describe("rankPoints on latency", () => {
  /** A latency measurement whose repetitions have p90 `p90s[i]`, p99 `p99`, and a floor p99 of `floorP99` in each window. */
  function lat(stack: string, p90s: number[], p99: number, floorP99: number, storedFlags: ValidityFlag[] = []): MeasurementRecord {
    const base = m(stack, p90s, storedFlags, "lower");
    const summary = (p50: number, p90: number, p99v: number) => ({
      count: 1000,
      minUs: 1,
      meanUs: p50,
      p50Us: p50,
      p90Us: p90,
      p99Us: p99v,
      p999Us: p99v * 2,
      maxUs: p99v * 4,
    });
    const floor = [{ cpu: 0, role: "server" as const, intervalUs: 1000, lateness: { summary: summary(70, 150, floorP99), histogram: null }, probeCpuPct: 0.5 }];
    const point = base.points[0]!;
    const reps = point.reps.map((r, i) => ({ ...r, latency: summary(100, p90s[i]!, p99), floor }));
    return {
      ...base,
      scenario: "echo-latency",
      points: [
        { ...point, key: "10k/s", reps, summary: { ...point.summary!, metric: "p99Us", unit: "µs", ...summarizeSample(reps.map((r) => r.latency.p99Us)) } },
      ],
    };
  }
  it("ranks at p90 when a stack's p99 is at the floor, drops the at-floor flag judged at p99 and names the percentile", () => {
    // a's p99 (1.5 ms) is within 2× of the 1 ms floor; its p90 (400 µs) and b's are clear of the 150 µs floor p90.
    const [p] = rankPoints([lat("a", [400, 410, 390], 1_500, 1_000, ["at-floor"]), lat("b", [800, 820, 790], 5_000, 1_000)]);
    expect(p!.point).toBe("10k/s (p90 decided: p99 at the floor (a))");
    expect(p!.verdict.winner).toBe("a");
    expect(p!.rows.map((r) => [r.stack, r.flags, Math.round(r.value)])).toEqual([
      ["a", [], 400],
      ["b", [], 803],
    ]);
  });
});
