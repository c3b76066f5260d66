import { SCHEMA_VERSION, summarizeSample, type MeasurementRecord, type ValidityFlag } from "@wsarena/runner";
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
    statsBefore: null,
    statsAfter: null,
    rssPerConnectionBytes: null,
    errors: [],
    closeCodes: {},
    postcondition: { ok: true, failures: [] },
    flags,
    schedulerLag: null,
    floor: [],
    stealPct: null,
    quietGate: null,
    atFloor: [],
    outlier: "normal" as const,
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
  it("ranks higher-is-better figures best first with ratios to the best", () => {
    const [p] = rankPoints([m("a", [100]), m("b", [400]), m("c", [200])]);
    expect(p!.rows.map((r) => [r.stack, r.rank, r.ratio])).toEqual([
      ["b", 1, 1],
      ["c", 2, 0.5],
      ["a", 3, 0.25],
    ]);
  });
  it("never ranks a flagged figure as the winner, even when it is the largest", () => {
    const [p] = rankPoints([m("a", [100]), m("fast-but-client-bound", [900], ["client-bound"])]);
    expect(p!.rows[0]!.stack).toBe("a");
    expect(p!.rows[0]!.rank).toBe(1);
    const flagged = p!.rows.find((r) => r.stack === "fast-but-client-bound")!;
    expect(flagged.rank).toBeNull();
    expect(flagged.ratio).toBe(9);
  });
  it("ranks lower-is-better figures (latency) smallest first", () => {
    const [p] = rankPoints([m("slow", [900], [], "lower"), m("quick", [300], [], "lower")]);
    expect(p!.rows.map((r) => r.stack)).toEqual(["quick", "slow"]);
    expect(p!.rows[1]!.ratio).toBe(3);
  });
});

describe("formatSummary", () => {
  it("shows flags next to flagged figures and says when no figure is a winner", () => {
    const text = formatSummary([m("x", [5], ["integrity"]), m("y", [6], ["high-variance"])]);
    expect(text).toContain("FLAGGED: integrity");
    expect(text).toContain("FLAGGED: high-variance");
    expect(text).toContain("every figure is flagged: no winner");
  });
  it("lists measurements that were not ok with their reason", () => {
    const bad = { ...m("z", [1]), status: "invalid" as const, reason: "failed verification (smoke): echo.text: no echo", points: [] };
    expect(formatSummary([m("x", [5]), bad])).toContain("echo-throughput z: invalid — failed verification (smoke): echo.text: no echo");
  });
});
