// runMatrix orchestration against the real ws stack with a stand-in load function (the real load is covered by the CLI tests).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, type DiscoveredStack } from "./discover.ts";
import { liveServerCount } from "./launch.ts";
import { loadResultSet } from "./results/io.ts";
import { rotate, runMatrix } from "./matrix.ts";
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
    const result = await runMatrix({
      runId: "test-run",
      outDir: out,
      stacks: [ws, broken],
      scenarios: selectScenarios(["echo-throughput"]),
      profile: "quick",
      reps: 2,
      pinning: null,
      runLoad: async (o) => {
        loads.push({ url: o.url, mode: o.mode });
        return fakeResult(o, 1000 + loads.length);
      },
      verify: async (s) => ({ ok: s.id === "ws", level: "smoke", failures: s.id === "ws" ? [] : ["echo.text: no echo"] }),
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
    const bad = set.measurements.find((m) => m.stack === "ws-broken")!;
    expect(bad.status).toBe("invalid");
    expect(bad.reason).toContain("echo.text: no echo");
    expect(bad.points).toEqual([]);
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
      reps: 1,
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
    await runMatrix({
      runId: "test-err",
      outDir: out,
      stacks: [ws],
      scenarios: selectScenarios(["echo-throughput"]),
      profile: "quick",
      reps: 1,
      pinning: null,
      runLoad: async () => {
        throw new Error("load worker failed: boom");
      },
    });
    expect(liveServerCount()).toBe(0);
    const [m] = loadResultSet(out).measurements;
    expect(m!.status).toBe("errored");
    expect(m!.reason).toContain("load worker failed: boom");
  }, 30_000);
});
