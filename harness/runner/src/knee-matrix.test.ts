// The knee search inside runMatrix against the real ws stack with a stand-in load whose p99 rises past a set rate.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, liveServerCount } from "@wsarena/stacks";
import { loadResultSet, type MeasurementRecord } from "@wsarena/results";
import { parseSlo } from "./knee.ts";
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

async function run(slo: string | undefined): Promise<{ m: MeasurementRecord; rates: number[]; slo: string | undefined }> {
  const out = mkdtempSync(join(tmpdir(), "wsarena-knee-"));
  dirs.push(out);
  const rates: number[] = [];
  await runMatrix({
    runId: "test-knee",
    outDir: out,
    stacks: discoverStacks().filter((s) => s.id === "ws"),
    scenarios: selectScenarios(["echo-latency"]),
    profile: "quick",
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
    const { m, rates, slo } = await run(undefined);
    expect(liveServerCount()).toBe(0);
    expect(slo).toBe("p99<5ms");
    expect(rates).toEqual([20_000, 80_000, 40_000]);
    expect(m.points.map((p) => p.key)).toEqual(["20k/s", "80k/s"]);
    expect(m.knee).toMatchObject({
      slo: "p99<5ms",
      maxBisectSteps: 1,
      reps: [{ rep: 0, rateMsgsPerSec: 20_000, failedRateMsgsPerSec: 40_000, atLeast: false }],
    });
    expect(m.knee!.reps[0]!.steps.map((s) => [s.rateMsgsPerSec, s.phase, s.pass])).toEqual([
      [20_000, "ladder", true],
      [80_000, "ladder", false],
      [40_000, "bisect", false],
    ]);
  }, 60_000);

  it("a looser --slo met at every ladder rate needs no bisection: the knee is at least the top rate", async () => {
    const { m, rates, slo } = await run("p99<10ms");
    expect(slo).toBe("p99<10ms");
    expect(rates).toEqual([20_000, 80_000]);
    expect(m.knee!.reps[0]).toMatchObject({ rateMsgsPerSec: 80_000, atLeast: true, failedRateMsgsPerSec: null });
  }, 60_000);
});
