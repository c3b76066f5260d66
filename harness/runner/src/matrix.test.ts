// runMatrix orchestration against the real ws stack with a stand-in load function (the real load is covered by the CLI tests).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, type DiscoveredStack, liveServerCount } from "@wsarena/stacks";
import { loadResultSet } from "@wsarena/results";
import { rotate, roundOrder, runMatrix, type RunEvent, type RunOptions } from "./matrix.ts";
import { fixedRepetitions, type RepetitionPolicy } from "./repetitions.ts";
import { selectScenarios } from "./scenarios/index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A LoadResult with `msgsPerSec` and no integrity problem; window = now. */
function fakeResult(o: LoadOptions, msgsPerSec: number): LoadResult {
  const now = Date.now();
  const n = Math.round((msgsPerSec * o.durationMs) / 1000);
  return {
    driver: o.driver,
    mode: o.mode,
    options: o,
    windowStartMs: now - o.durationMs,
    windowEndMs: now,
    durationMs: o.durationMs,
    msgsPerSec,
    bytesPerSec: msgsPerSec * o.size,
    sentPerSec: msgsPerSec,
    latency: { count: n, minUs: 10, meanUs: 50, p50Us: 40, p90Us: 80, p99Us: 120, p999Us: 200, maxUs: 300 },
    histogram: null,
    integrity: { sent: n, received: n, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
    connect: { attempted: o.connections, succeeded: o.connections, failed: 0, perSec: 1000, p50Us: 100, p90Us: 200, p99Us: 300, maxUs: 400, errors: [] },
    clientCpu: { cpus: o.clientCpus ?? null, workers: 1, cpuSeconds: 0.1, utilisation: 0.2, perWorkerCpuSeconds: [0.1] },
    msgsPerClientCpuSec: 1000,
    errors: [],
    closeCodes: {},
  };
}

describe("rotate", () => {
  it("starts repetition r with item r and keeps the cyclic order", () => {
    expect(rotate(["a", "b", "c"], 0)).toEqual(["a", "b", "c"]);
    expect(rotate(["a", "b", "c"], 1)).toEqual(["b", "c", "a"]);
    expect(rotate(["a", "b", "c"], 4)).toEqual(["b", "c", "a"]);
  });
});

describe("runMatrix", () => {
  const ws = discoverStacks().find((s) => s.id === "ws")!;

  it("times a verified stack with a fresh server per repetition, records an invalid one untimed, and writes a valid set", async () => {
    const out = mkdtempSync(join(tmpdir(), "wsarena-matrix-"));
    dirs.push(out);
    // A second "stack" that is the ws server under another id and fails verification.
    const broken: DiscoveredStack = { ...ws, id: "ws-broken", manifest: { ...ws.manifest, id: "ws-broken" } };
    const loads: Array<{ url: string; mode: string }> = [];
    const events: RunEvent[] = [];
    const result = await runMatrix({
      runId: "test-run",
      outDir: out,
      stacks: [ws, broken],
      scenarios: selectScenarios(["echo-throughput"]),
      profile: "quick",
      repetitions: fixedRepetitions(2),
      pinning: null,
      runLoad: async (o) => {
        loads.push({ url: o.url, mode: o.mode });
        return fakeResult(o, 1000 + loads.length);
      },
      verify: async (s) => ({ ok: s.id === "ws", level: "smoke", failures: s.id === "ws" ? [] : ["echo.text: no echo"] }),
      onEvent: (e) => events.push(e),
    });
    expect(liveServerCount()).toBe(0);
    expect(result.run.status).toBe("complete");
    expect(loads).toHaveLength(2);
    expect(new Set(loads.map((l) => l.url)).size).toBe(2); // a fresh server (new port) per repetition
    const set = loadResultSet(out);
    const ok = set.measurements.find((m) => m.stack === "ws")!;
    expect(ok.status).toBe("ok");
    expect(ok.points[0]!.reps.map((r) => r.msgsPerSec)).toEqual([1001, 1002]);
    expect(ok.points[0]!.reps[0]!.statsBefore).not.toBeNull();
    expect(ok.points[0]!.summary!.median).toBe(1001.5);
    expect(ok.points[0]!.stop).toBe("fixed");
    expect(set.run.config.repetitions).toEqual({ minReps: 2, maxReps: 2, targetCiHalfWidthRel: 0, budgetMs: null });
    const windows = ok.points[0]!.reps.reduce((a, r) => a + r.durationMs, 0);
    expect(set.run.timing).toMatchObject({ inWindowMs: windows, quietWaitMs: 0 });
    expect(set.run.timing!.timingPhaseMs).toBeGreaterThan(0);
    const bad = set.measurements.find((m) => m.stack === "ws-broken")!;
    expect(bad.status).toBe("invalid");
    expect(bad.reason).toContain("echo.text: no echo");
    expect(bad.points).toEqual([]);
    // Every progress event says how far its phase has got: stacks verified, then points done of the points planned.
    const at = (type: RunEvent["type"]) => events.flatMap((e) => (e.type === type && "done" in e ? [[e.done, e.total]] : []));
    expect(at("verify-start")).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(at("verify-done")).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(at("point-start")).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(at("point-done")).toEqual([
      [1, 2],
      [2, 2],
    ]);
    const last = events.findLast((e) => e.type === "point-done")!;
    expect(last).toMatchObject({ etaMs: 0, etaMaxMs: null });
    expect("elapsedMs" in last && last.elapsedMs).toBeGreaterThan(0);
  }, 60_000);

  it("skips a scenario the stack's manifest does not list", async () => {
    const out = mkdtempSync(join(tmpdir(), "wsarena-matrix-"));
    dirs.push(out);
    const narrow: DiscoveredStack = { ...ws, manifest: { ...ws.manifest, scenarios: ["pubsub"] } };
    let calls = 0;
    await runMatrix({
      runId: "test-skip",
      outDir: out,
      stacks: [narrow],
      scenarios: selectScenarios(["echo-throughput"]),
      profile: "quick",
      repetitions: fixedRepetitions(1),
      pinning: null,
      runLoad: async (o) => (calls++, fakeResult(o, 1)),
    });
    expect(calls).toBe(0);
    const [m] = loadResultSet(out).measurements;
    expect(m!.status).toBe("skipped");
    expect(m!.reason).toMatch(/does not list scenario echo-throughput/);
  });

  it("records a load failure as errored with the reason and stops the server", async () => {
    const out = mkdtempSync(join(tmpdir(), "wsarena-matrix-"));
    dirs.push(out);
    const events: RunEvent[] = [];
    await runMatrix({
      runId: "test-err",
      outDir: out,
      stacks: [ws],
      scenarios: selectScenarios(["echo-throughput"]),
      profile: "quick",
      repetitions: fixedRepetitions(2),
      pinning: null,
      runLoad: async () => {
        throw new Error("load worker failed: boom");
      },
      onEvent: (e) => events.push(e),
    });
    // The errored measurement runs no more: its two planned points leave the plan.
    expect(events.find((e) => e.type === "point-start")).toMatchObject({ done: 0, total: 2 });
    expect(events.find((e) => e.type === "measurement-error")).toMatchObject({ done: 0, total: 0, etaMs: 0 });
    expect(liveServerCount()).toBe(0);
    const [m] = loadResultSet(out).measurements;
    expect(m!.status).toBe("errored");
    expect(m!.reason).toContain("load worker failed: boom");
  }, 30_000);
});

describe("roundOrder", () => {
  it("rotates the stack list by the round and keeps only the stacks that still need a repetition", () => {
    expect(roundOrder(["a", "b", "c"], 0, () => true)).toEqual(["a", "b", "c"]);
    expect(roundOrder(["a", "b", "c"], 1, (s) => s !== "c")).toEqual(["b", "a"]);
    expect(roundOrder(["a", "b", "c"], 2, (s) => s !== "a")).toEqual(["c", "b"]);
  });
});

describe("runMatrix adaptive repetitions", () => {
  const stacks = discoverStacks();
  const ws = stacks.find((s) => s.id === "ws")!;
  const uws = stacks.find((s) => s.id === "uws")!;
  const adaptive = (over: Partial<RepetitionPolicy>): RepetitionPolicy => ({
    minReps: 2,
    maxReps: 4,
    targetCiHalfWidthRel: 0.05,
    budgetMs: null,
    fixed: false,
    ...over,
  });

  /** Runs echo-throughput (quick: one point) with `windowValue(stack, rep)` as each window's msgsPerSec; returns the set and the point-start order. */
  async function runAdaptive(
    list: DiscoveredStack[],
    policy: RepetitionPolicy,
    windowValue: (stack: string, rep: number) => number,
    extra: Partial<RunOptions> = {},
  ) {
    const out = mkdtempSync(join(tmpdir(), "wsarena-adaptive-"));
    dirs.push(out);
    const order: string[] = [];
    let current = { stack: "", rep: 0 };
    const result = await runMatrix({
      runId: "test-adaptive",
      outDir: out,
      stacks: list,
      scenarios: selectScenarios(["echo-throughput"]),
      profile: "quick",
      repetitions: policy,
      pinning: null,
      onEvent: (e: RunEvent) => {
        if (e.type === "point-start") {
          current = { stack: e.stack, rep: e.rep };
          order.push(`${e.stack}#${e.rep}`);
        }
      },
      runLoad: async (o) => fakeResult(o, windowValue(current.stack, current.rep)),
      ...extra,
    });
    expect(liveServerCount()).toBe(0);
    return { result, set: loadResultSet(out), order };
  }

  it("stops at minReps with stop ci-tight when the interval is already within the target", async () => {
    const { set } = await runAdaptive([ws], adaptive({}), (_s, rep) => 1000 + rep);
    const p = set.measurements[0]!.points[0]!;
    expect(p.reps).toHaveLength(2);
    expect(p.stop).toBe("ci-tight");
    expect(p.summary!.ciHalfWidthRel).toBeLessThanOrEqual(0.05);
    expect(set.run.config.repetitions).toEqual({ minReps: 2, maxReps: 4, targetCiHalfWidthRel: 0.05, budgetMs: null });
  }, 60_000);

  it("adds repetitions up to maxReps when the interval stays wide, and classifies (never drops) the outlier", async () => {
    const values = [1000, 1200, 1100, 1000, 1200, 9000];
    const { set } = await runAdaptive([ws], adaptive({ maxReps: 6 }), (_s, rep) => values[rep]!);
    const p = set.measurements[0]!.points[0]!;
    expect(p.reps.map((r) => r.msgsPerSec)).toEqual(values);
    expect(p.stop).toBe("max-reps");
    expect(p.reps.map((r) => r.outlier)).toEqual(["normal", "normal", "normal", "normal", "normal", "high-severe"]);
    expect(p.summary!.outliers).toEqual({ lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 1 });
    expect(p.flags).toContain("high-variance");
  }, 60_000);

  it("stops adding repetitions when the budget would be passed (minReps always run), with stop budget", async () => {
    // Each window "takes" 60 s on the injected clock: two repetitions use 120 s of the 200 s budget, a third fits
    // (predicted 180 s), a fourth would not (240 s).
    let clock = 0;
    const { set, result } = await runAdaptive([ws], adaptive({ maxReps: 10, budgetMs: 200_000 }), (_s, rep) => (rep % 2 ? 1000 : 2000), {
      now: () => clock,
      runLoad: async (o) => ((clock += 60_000), fakeResult(o, clock % 120_000 ? 2000 : 1000)),
    });
    const p = set.measurements[0]!.points[0]!;
    expect(p.reps).toHaveLength(3);
    expect(p.stop).toBe("budget");
    expect(result.run.timing!.timingPhaseMs).toBe(180_000);
  }, 60_000);

  it("interleaves stacks round-robin, rotating the order, over the stacks that still need repetitions", async () => {
    // uws is steady (tight after 2 reps); ws is noisy and runs to maxReps 3.
    const { set, order } = await runAdaptive([ws, uws], adaptive({ maxReps: 3 }), (stack, rep) => (stack === "uws" ? 5000 : rep % 2 ? 1000 : 3000));
    expect(order).toEqual(["ws#0", "uws#0", "uws#1", "ws#1", "ws#2"]);
    const stop = Object.fromEntries(set.measurements.map((m) => [m.stack, m.points[0]!.stop]));
    expect(stop).toEqual({ ws: "max-reps", uws: "ci-tight" });
  }, 90_000);
});
