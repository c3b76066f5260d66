import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks } from "@wsarena/stacks";
import { loadResultSet, loadShapeOf } from "@wsarena/results";
import { DEFAULT_RUN_LOAD_SHAPE, runMatrix, withLoadShape } from "./matrix.ts";
import { fixedRepetitions } from "./repetitions.ts";
import { selectScenarios } from "./scenarios/index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A LoadResult that received everything it offered; window = now. */
function offeredAll(o: LoadOptions): LoadResult {
  const now = Date.now();
  const n = Math.round((o.rate * o.durationMs) / 1000);
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
    latency: { count: n, minUs: 10, meanUs: 50, p50Us: 40, p90Us: 80, p99Us: 120, p999Us: 200, maxUs: 300 },
    histogram: null,
    integrity: { sent: n, received: n, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
    connect: { attempted: o.connections, succeeded: o.connections, failed: 0, perSec: 1000, p50Us: 100, p90Us: 200, p99Us: 300, maxUs: 400, errors: [] },
    clientCpu: { cpus: null, workers: 1, cpuSeconds: 0.1, utilisation: 0.2, perWorkerCpuSeconds: [0.1] },
    msgsPerClientCpuSec: 1000,
    errors: [],
    closeCodes: {},
  };
}

describe("load shape of open-loop points", () => {
  it("withLoadShape sets the shape of echo-open points only", () => {
    const picked = selectScenarios(["echo-latency", "echo-throughput"]);
    const latency = picked.find((x) => x.id === "echo-latency");
    const throughput = picked.find((x) => x.id === "echo-throughput");
    const l = withLoadShape(latency!.plan("standard"), "pipelined");
    expect(l.points.length).toBeGreaterThan(1);
    expect(l.points.every((p) => p.load.shape === "pipelined")).toBe(true);
    const t = withLoadShape(throughput!.plan("standard"), "one-per-write");
    expect(t.points.every((p) => p.load.shape === undefined)).toBe(true);
  });

  it("hands the run's shape to the load and records it in run.json and with each open-loop point", async () => {
    const ws = discoverStacks().find((s) => s.id === "ws")!;
    for (const shape of [undefined, "pipelined"] as const) {
      const out = mkdtempSync(join(tmpdir(), "wsarena-shape-"));
      dirs.push(out);
      const shapes: Array<string | undefined> = [];
      await runMatrix({
        runId: `test-shape-${shape ?? "default"}`,
        outDir: out,
        stacks: [ws],
        scenarios: selectScenarios(["echo-latency"]),
        profile: "quick",
        repetitions: fixedRepetitions(1),
        pinning: null,
        ...(shape ? { loadShape: shape } : {}),
        runLoad: async (o) => (shapes.push(o.shape), offeredAll(o)),
      });
      const want = shape ?? DEFAULT_RUN_LOAD_SHAPE;
      expect(shapes).toEqual([want]);
      const set = loadResultSet(out);
      expect(set.run.config.loadShape).toBe(want);
      const [m] = set.measurements;
      expect(m!.points[0]!.loadShape).toBe(want);
      expect(loadShapeOf(m!.scenario, m!.points[0]!)).toBe(want);
    }
  }, 60_000);
});
