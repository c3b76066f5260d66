import { describe, expect, it } from "vitest";
import { kneeSchema, measurementSchema, type KneeStepRecord, type RepetitionRecord } from "@wsarena/results";
import { DEFAULT_SLO, KNEE_BISECT_STEPS, KNEE_MAX_RATIO, emptyKneeRecord, hasKnee, judgeWindow, kneeOf, nextKneeRate, parseSlo, searchKnee } from "./knee.ts";
import { echoLatency, ECHO_LATENCY_RATES } from "./scenarios/echo-latency.ts";
import { echoThroughput } from "./scenarios/echo-throughput.ts";

const step = (rateMsgsPerSec: number, pass: boolean, phase: KneeStepRecord["phase"] = "ladder"): KneeStepRecord => ({
  rateMsgsPerSec,
  phase,
  pass,
  p99Us: pass ? 1_000 : 9_000,
  floorP99Us: null,
  receivedShare: 1,
  failures: pass ? [] : ["p99<5ms: 9ms"],
  flags: [],
});

/** Runs the search against a synthetic server whose windows pass exactly when `passes(rate)`; returns the rates it tried. */
async function search(ladder: KneeStepRecord[], passes: (rate: number) => boolean, maxSteps: number) {
  const tried: number[] = [];
  const steps = await searchKnee(ladder, async (rate) => (tried.push(rate), step(rate, passes(rate), "bisect")), maxSteps);
  return { tried, knee: kneeOf(0, steps) };
}

describe("knee search", () => {
  it("monotone: bisects geometrically between the last pass and the first fail until within the ratio", async () => {
    const ladder = [step(10_000, true), step(50_000, true), step(100_000, false)];
    const { tried, knee } = await search(ladder, (r) => r < 72_000, 10);
    expect(tried[0]).toBe(70_700); // √(50k · 100k), rounded to 100 msg/s
    expect(knee.failedRateMsgsPerSec! / knee.rateMsgsPerSec!).toBeLessThanOrEqual(KNEE_MAX_RATIO);
    expect(knee.rateMsgsPerSec).toBeLessThan(72_000);
    expect(knee.failedRateMsgsPerSec).toBeGreaterThanOrEqual(72_000);
    expect(knee.atLeast).toBe(false);
    expect(knee.steps.map((s) => s.phase)).toEqual(["ladder", "ladder", "ladder", ...tried.map(() => "bisect")]);
  });

  it("stops after the step budget even when the bracket is still wide", async () => {
    expect(KNEE_BISECT_STEPS.standard).toBeGreaterThan(1);
    const { tried, knee } = await search([step(20_000, true), step(80_000, false)], (r) => r < 30_000, 2);
    expect(tried).toEqual([40_000, 28_300]);
    expect(knee).toMatchObject({ rateMsgsPerSec: 28_300, failedRateMsgsPerSec: 40_000, atLeast: false });
  });

  it("non-monotone: a pass above the lowest failure does not count; the knee stays below the first failure", async () => {
    const ladder = [step(10_000, true), step(50_000, false), step(100_000, true)];
    const { tried, knee } = await search(ladder, () => true, 10);
    expect(tried.every((r) => r > 10_000 && r < 50_000)).toBe(true);
    expect(knee.failedRateMsgsPerSec).toBe(50_000);
    expect(knee.rateMsgsPerSec).toBeLessThan(50_000);
    expect(knee.rateMsgsPerSec! * KNEE_MAX_RATIO).toBeGreaterThanOrEqual(50_000);
  });

  it("never met: bisects down from the lowest rate and reports no knee", async () => {
    const { tried, knee } = await search([step(20_000, false), step(80_000, false)], () => false, 2);
    expect(tried).toEqual([10_000, 5_000]);
    expect(knee).toMatchObject({ rateMsgsPerSec: null, atLeast: false, failedRateMsgsPerSec: 5_000 });
  });

  it("always met: no bisection, the knee is at least the top of the ladder", async () => {
    const { tried, knee } = await search([step(20_000, true), step(80_000, true)], () => true, 2);
    expect(tried).toEqual([]);
    expect(knee).toMatchObject({ rateMsgsPerSec: 80_000, atLeast: true, failedRateMsgsPerSec: null });
  });

  it("a search cut short (interrupted window) keeps what was judged", async () => {
    const steps = await searchKnee([step(20_000, true), step(80_000, false)], async () => null, 2);
    expect(kneeOf(1, steps)).toMatchObject({ rep: 1, rateMsgsPerSec: 20_000, failedRateMsgsPerSec: 80_000 });
  });

  it("nextKneeRate is null once the bracket is within the ratio", () => {
    expect(nextKneeRate([step(50_000, true), step(54_000, false)], 4)).toBeNull();
    expect(nextKneeRate([step(50_000, true), step(60_000, false)], 4)).toBe(54_800);
    expect(nextKneeRate([step(50_000, true), step(60_000, false), step(54_800, true, "bisect")], 1)).toBeNull();
  });
});

/** A repetition record with only what judgeWindow reads. */
function rep(over: { msgsPerSec: number; p99Us: number; lost?: number; failed?: number; dropped?: number; floorP99Us?: number }): RepetitionRecord {
  return {
    msgsPerSec: over.msgsPerSec,
    latency: { count: 1000, minUs: 10, meanUs: 100, p50Us: 100, p90Us: 200, p99Us: over.p99Us, p999Us: over.p99Us, maxUs: over.p99Us },
    integrity: { sent: 1000, received: 1000, lost: over.lost ?? 0, duplicated: 0, reordered: 0, corrupted: 0 },
    connect: { attempted: 4, succeeded: 4 - (over.failed ?? 0), failed: over.failed ?? 0, perSec: 0, p50Us: 0, p90Us: 0, p99Us: 0, maxUs: 0, errors: [] },
    closeCodes: {},
    statsDelta: over.dropped ? { dropped: over.dropped, closedForBackpressure: 0 } : null,
    server: null,
    floor: over.floorP99Us ? [{ lateness: { summary: { p99Us: over.floorP99Us } } }] : [],
    flags: ["at-floor"],
  } as unknown as RepetitionRecord;
}

describe("judgeWindow (the rule)", () => {
  const slo = parseSlo(DEFAULT_SLO);
  it("passes a window under the SLO that lost nothing and received ≥ 95 % of the offered rate", () => {
    const s = judgeWindow(20_000, rep({ msgsPerSec: 19_100, p99Us: 4_999, floorP99Us: 700 }), slo, "ladder");
    expect(s).toMatchObject({ pass: true, p99Us: 4_999, floorP99Us: 700, failures: [], flags: ["at-floor"] });
    expect(s.receivedShare).toBeCloseTo(0.955, 3);
  });
  it("fails on the SLO, on anything lost, and on a received rate below 95 %", () => {
    expect(judgeWindow(20_000, rep({ msgsPerSec: 20_000, p99Us: 5_000 }), slo, "ladder").failures).toEqual(["p99<5ms: 5ms"]);
    expect(judgeWindow(20_000, rep({ msgsPerSec: 20_000, p99Us: 100, lost: 3 }), slo, "ladder").failures[0]).toMatch(/^lost or failed: 3 integrity violations/);
    expect(judgeWindow(20_000, rep({ msgsPerSec: 20_000, p99Us: 100, dropped: 2 }), slo, "ladder").failures[0]).toMatch(/2 dropped by the server/);
    expect(judgeWindow(20_000, rep({ msgsPerSec: 20_000, p99Us: 100, failed: 1 }), slo, "ladder").pass).toBe(false);
    expect(judgeWindow(20_000, rep({ msgsPerSec: 18_900, p99Us: 100 }), slo, "ladder").failures).toEqual(["received 94.5 % of the offered rate (< 95 %)"]);
  });
  it("parses --slo with the criteria grammar and names the flag in its errors", () => {
    expect(parseSlo("p99<10ms,p50<=1ms").map((c) => c.text)).toEqual(["p99<10ms", "p50<=1ms"]);
    expect(() => parseSlo("")).toThrow(/^--slo is empty/);
    expect(() => parseSlo("p98<5ms")).toThrow(/^--slo "p98<5ms": .*unknown key "p98"/);
  });
});

describe("echo-latency's knee", () => {
  it("is a rate ladder with a knee; other scenarios are not", () => {
    expect(hasKnee(echoLatency)).toBe(true);
    expect(hasKnee(echoThroughput)).toBe(false);
    expect(ECHO_LATENCY_RATES.standard.length).toBeGreaterThanOrEqual(2);
    // Quick measures one rate and bisects nothing (its time budget): its knee is only a bound.
    expect([ECHO_LATENCY_RATES.quick.length, KNEE_BISECT_STEPS.quick]).toEqual([1, 0]);
  });
  it("builds a bisection window at any rate: quick's shorter than its points', connections following the rate", () => {
    const p = echoLatency.knee.pointAt(40_000, "quick");
    const ladder = echoLatency.plan("quick").points[0]!;
    expect(p.load).toMatchObject({ mode: "echo-open", rate: 40_000, connections: 4 });
    expect(p.load.durationMs).toBeLessThan(ladder.load.durationMs);
    expect(echoLatency.knee.pointAt(40_000, "standard").load.durationMs).toBe(echoLatency.plan("standard").points[0]!.load.durationMs);
  });
});

describe("the knee record", () => {
  it("is an optional, typed field of a measurement", () => {
    const knee = {
      ...emptyKneeRecord(parseSlo(DEFAULT_SLO), "standard"),
      reps: [kneeOf(0, [step(20_000, true), step(80_000, false), step(40_000, false, "bisect")])],
    };
    expect(kneeSchema.parse(knee)).toEqual(knee);
    expect(knee).toMatchObject({ slo: "p99<5ms", minReceivedShare: 0.95, maxBisectSteps: KNEE_BISECT_STEPS.standard });
    expect(measurementSchema.shape.knee.safeParse(undefined).success).toBe(true);
    expect(kneeSchema.safeParse({ ...knee, reps: [{ ...knee.reps[0], rateMsgsPerSec: "20k" }] }).success).toBe(false);
  });
});
