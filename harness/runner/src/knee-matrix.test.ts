// The knee search inside runMatrix against the real ws stack with a stand-in load whose p99 rises past a set rate.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, liveServerCount } from "@wsarena/stacks";
import { loadResultSet, type MeasurementRecord } from "@wsarena/results";
import { KNEE_BISECT_STEPS, parseSlo } from "./knee.ts";
import { ECHO_LATENCY_RATES } from "./scenarios/echo-latency.ts";
import { runMatrix } from "./matrix.ts";
import { fixedRepetitions } from "./repetitions.ts";
import { selectScenarios } from "./scenarios/index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A window that echoes everything offered; p99 1 ms below `kneeRate`, 9 ms from it on. */
function window(o: LoadOptions, kneeRate: number): LoadResult {
  const now = Date.now();
  const n = Math.round((o.rate * o.durationMs) / 1000);
  const p99Us = o.rate < kneeRate ? 1_000 : 9_000;
  return {
    driver: o.driver,
    mode: o.mode,
    options: o,
    windowStartMs: now - o.durationMs,
    windowEndMs: now,
    durationMs: o.durationMs,
    msgsPerSec: o.rate,
    bytesPerSec: o.rate * o.size,
    sentPerSec: o.rate,
    latency: { count: n, minUs: 10, meanUs: 100, p50Us: 100, p90Us: 200, p99Us, p999Us: p99Us, maxUs: p99Us },
    histogram: null,
    integrity: { sent: n, received: n, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
    connect: { attempted: o.connections, succeeded: o.connections, failed: 0, perSec: 1000, p50Us: 100, p90Us: 200, p99Us: 300, maxUs: 400, errors: [] },
    clientCpu: { cpus: o.clientCpus ?? null, workers: 1, cpuSeconds: 0.1, utilisation: 0.2, perWorkerCpuSeconds: [0.1] },
    msgsPerClientCpuSec: 1000,
    errors: [],
    closeCodes: {},
  };
}

async function run(slo: string | undefined, profile: "quick" | "standard"): Promise<{ m: MeasurementRecord; rates: number[]; slo: string | undefined }> {
  const out = mkdtempSync(join(tmpdir(), "wsarena-knee-"));
  dirs.push(out);
  const rates: number[] = [];
  await runMatrix({
    runId: "test-knee",
    outDir: out,
    stacks: discoverStacks().filter((s) => s.id === "ws"),
    scenarios: selectScenarios(["echo-latency"]),
    profile,
    repetitions: fixedRepetitions(1),
    pinning: null,
    runLoad: async (o) => (rates.push(o.rate), window(o, 30_000)),
    ...(slo ? { slo: parseSlo(slo) } : {}),
  });
  const set = loadResultSet(out);
  return { m: set.measurements[0]!, rates, slo: set.run.config.slo };
}

describe("runMatrix: the knee of echo-latency", () => {
  it("bisects after the ladder with the run's SLO, keeps the windows in the knee record and not as points", async () => {
    const { m, rates, slo } = await run(undefined, "standard");
    expect(liveServerCount()).toBe(0);
    expect(slo).toBe("p99<5ms");
    const ladder = [...ECHO_LATENCY_RATES.standard];
    expect(rates.slice(0, ladder.length)).toEqual(ladder);
    expect(m.points).toHaveLength(ladder.length);
    // The stand-in's p99 passes below 30k/s: the ladder brackets it between 10k and 50k, bisection narrows it.
    const bisected = rates.slice(ladder.length);
    expect(bisected.length).toBeGreaterThan(0);
    expect(bisected.length).toBeLessThanOrEqual(KNEE_BISECT_STEPS.standard);
    expect(bisected.every((r) => r > 10_000 && r < 50_000)).toBe(true);
    const k = m.knee!.reps[0]!;
    expect(m.knee).toMatchObject({ slo: "p99<5ms", maxBisectSteps: KNEE_BISECT_STEPS.standard });
    expect(k.atLeast).toBe(false);
    expect(k.rateMsgsPerSec).toBeLessThan(30_000);
    expect(k.failedRateMsgsPerSec!).toBeGreaterThanOrEqual(30_000);
    expect(k.steps.filter((x) => x.phase === "bisect").map((x) => x.rateMsgsPerSec)).toEqual(bisected);
  }, 60_000);

  it("quick measures one rate and bisects nothing: a rate met by the SLO is a lower bound of the knee", async () => {
    const { m, rates, slo } = await run("p99<10ms", "quick");
    expect(slo).toBe("p99<10ms");
    expect(rates).toEqual([...ECHO_LATENCY_RATES.quick]);
    expect(m.knee!.reps[0]).toMatchObject({ rateMsgsPerSec: ECHO_LATENCY_RATES.quick[0], atLeast: true, failedRateMsgsPerSec: null });
  }, 60_000);
});
