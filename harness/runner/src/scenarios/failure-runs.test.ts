// Short real runs of slow-consumer and soak against the ws stack with the real load generator (unpinned).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, launchServer, liveServerCount } from "@wsarena/stacks";
import { runMatrix } from "../matrix.ts";
import { measurePoint } from "../measure.ts";
import { fixedRepetitions } from "../repetitions.ts";
import { detailsOf, loadResultSet } from "@wsarena/results";
import { slowConsumer } from "./slow-consumer.ts";
import { soak } from "./soak.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const ws = discoverStacks().find((s) => s.id === "ws")!;

describe("slow-consumer on ws (quick)", () => {
  it("drop skips ticks, close closes with 1008, buffer grows RSS; the baseline has no slow consumer", async () => {
    const out = mkdtempSync(join(tmpdir(), "wsarena-slow-"));
    dirs.push(out);
    await runMatrix({
      runId: "test-slow",
      outDir: out,
      stacks: [ws],
      scenarios: [slowConsumer],
      profile: "quick",
      repetitions: fixedRepetitions(1),
      pinning: null,
      runLoad,
    });
    expect(liveServerCount()).toBe(0);
    const [m] = loadResultSet(out).measurements;
    expect(m!.status).toBe("ok");
    const rep = (key: string) => m!.points.find((p) => p.key === key)!.reps[0]!;
    // The stored details parse with the slow-consumer schema (detailsOf is null otherwise).
    const d = (key: string) => detailsOf("slow-consumer", rep(key))!;
    expect(m!.points.map((p) => p.key)).toEqual(["baseline", "1slow-drop", "1slow-close", "1slow-buffer"]);
    for (const key of ["baseline", "1slow-drop", "1slow-close", "1slow-buffer"]) {
      expect(rep(key).latency!.count).toBeGreaterThan(0);
      expect(d(key).rss.length).toBeGreaterThan(8);
    }
    expect(d("baseline")).toMatchObject({ policy: "none", slowConsumers: 0, rssGrowth: "none" });
    // drop: the server skips ticks for the paused reader (counted by /stats and seen as sequence gaps), and keeps less
    // memory than under buffer. "bounded" is not asserted: the quick window (3 s after 0.4 s) is mostly the ramp while the
    // reader's socket buffers fill, which levels off only later.
    expect(rep("1slow-drop").statsDelta!.dropped).toBeGreaterThan(0);
    expect(d("1slow-drop").slowClient.gaps).toBeGreaterThan(0);
    expect(d("1slow-drop").rssMaxBytes).toBeLessThan(d("1slow-buffer").rssMaxBytes);
    // close: the paused reader is closed with 1008 and counted in closedForBackpressure.
    expect(rep("1slow-close").statsDelta!.closedForBackpressure).toBe(1);
    expect(d("1slow-close").slowClient.closed).toBe(1);
    expect(d("1slow-close").slowClient.closeCodes).toEqual({ "1008": 1 });
    // buffer: nothing dropped or closed, RSS keeps a large share of the offered bytes.
    expect(rep("1slow-buffer").statsDelta!.dropped).toBe(0);
    expect(d("1slow-buffer").slowClient.closed).toBe(0);
    expect(d("1slow-buffer").rssGrowth).toBe("growing");
    expect(d("1slow-buffer").capHit).toBe(false);
  }, 120_000);
});

describe("soak on ws (shortened window)", () => {
  it("samples RSS and probe latency every second and flags suspected-leak exactly when the slope's interval is above zero", async () => {
    const server = await launchServer(ws);
    try {
      const plan = soak.plan("quick").points[0]!;
      const point = { ...plan, load: { ...plan.load, warmupMs: 1_000, durationMs: 10_000 } };
      const { record } = await measurePoint(point, {
        scenario: soak,
        server,
        protocol: "ws",
        driver: "frame",
        serverCpus: [],
        clientCpus: undefined,
        clientCoreList: [],
        rep: 0,
        runLoad,
      });
      const d = detailsOf("soak", record)!;
      expect(d).not.toBeNull();
      expect(d.rss.length).toBeGreaterThanOrEqual(10);
      expect(d.latency.length).toBeGreaterThanOrEqual(8);
      expect(d.probe.received).toBeGreaterThan(0);
      expect(d.rssSamples).toBeGreaterThanOrEqual(8);
      expect(Number.isFinite(d.rssSlopeKibPerMin)).toBe(true);
      expect(d.rssSlopeCiKibPerMin![0]).toBeLessThanOrEqual(d.rssSlopeKibPerMin);
      expect(record.flags.includes("suspected-leak")).toBe(d.suspectedLeak);
      expect(d.suspectedLeak).toBe(d.rssSlopeCiKibPerMin![0] > 0);
      expect(record.postcondition.failures).toEqual([]);
    } finally {
      await server.stop();
    }
    expect(liveServerCount()).toBe(0);
  }, 60_000);
});
