// The http scenario against a real server (ws stack, 127.0.0.1): autocannon's GET /health and POST /publish with
// WebSocket subscribers, measured through the runner's measurePoint, and its postconditions.
import { describe, expect, it } from "vitest";
import { discoverStacks, launchServer } from "@wsarena/stacks";
import { detailsOf } from "@wsarena/results";
import { measurePoint } from "../measure.ts";
import { HTTP_HEALTH_POINTS, HTTP_PUBLISH_POINTS, http } from "./http.ts";
import { groupOf, selectScenarios, type ScenarioPoint } from "./index.ts";

/**
 * A short window for tests (the profiles' windows are for measurements). It spans a whole second of the schedule:
 * autocannon's overallRate sends each second's publishes back to back at the start of that second, so a shorter window
 * can fall between two bursts and see no publish (it did under a loaded test run).
 */
const SHORT = { warmupMs: 200, durationMs: 1_200 };
const short = (p: ScenarioPoint): ScenarioPoint => ({ ...p, load: { ...p.load, ...SHORT } });

describe("http scenario plan", () => {
  it("is in the scale group, so a run without --scenarios does not measure it", () => {
    expect(groupOf(http)).toBe("scale");
    expect(selectScenarios(undefined).map((s) => s.id)).not.toContain("http");
    expect(selectScenarios(["scale"]).map((s) => s.id)).toContain("http");
  });

  it("measures health points as throughput (req/s) and publish points as latency (fan-out p99)", () => {
    const pts = http.plan("standard").points;
    expect(pts.filter((p) => p.params.target === "health").map((p) => p.params.connections)).toEqual([...HTTP_HEALTH_POINTS.standard]);
    expect(pts.filter((p) => p.params.target === "publish").map((p) => p.params.subscribers)).toEqual(HTTP_PUBLISH_POINTS.standard.map((p) => p.subscribers));
    for (const p of pts) {
      expect(p.kind).toBe(p.params.target === "health" ? "throughput" : "latency");
      expect(http.metric(p).name).toBe(p.params.target === "health" ? "requestsPerSec" : "p99Us");
    }
  });

  it("fails the publish postcondition when a subscriber missed a publish", () => {
    const point = http.plan("quick").points.find((p) => p.params.target === "publish")!;
    const integrity = { sent: 10, received: 10 * 50 - 1, lost: 1, duplicated: 0, reordered: 0, corrupted: 0 };
    const failures = http.postcondition({ point, result: { integrity } as never, statsBefore: null, statsAfter: null, server: null });
    expect(failures.some((f) => f.startsWith("exactly-once"))).toBe(true);
  });
});

describe("http scenario against the real ws server", () => {
  it("drives GET /health with autocannon and keeps sub-millisecond response times in µs", { timeout: 60_000 }, async () => {
    const stack = discoverStacks().find((s) => s.id === "ws")!;
    const server = await launchServer(stack);
    try {
      const point = short(http.plan("quick").points.find((p) => p.params.target === "health")!);
      const { record } = await measurePoint(point, {
        scenario: http,
        server,
        protocol: "ws",
        driver: "frame",
        serverCpus: [],
        clientCpus: undefined,
        clientCoreList: [],
        rep: 0,
        runLoad: () => Promise.reject(new Error("http does not use runLoad")),
      });
      expect(record.postcondition).toEqual({ ok: true, failures: [] });
      expect(record.errors).toEqual([]);
      expect(record.msgsPerSec).toBeGreaterThan(0);
      expect(detailsOf("http", record)?.requestsPerSec).toBe(record.msgsPerSec);
      expect(record.latency!.count).toBe(record.integrity.sent);
      // autocannon's own histogram holds whole milliseconds; ours holds µs, so a loopback /health answer is below 1 ms.
      expect(record.latency!.minUs).toBeLessThan(1000);
      expect(record.histogram).not.toBeNull();
      expect(record.clientCpu.cpuSeconds).toBeGreaterThan(0);
      expect(record.statsDelta).not.toBeNull();
    } finally {
      await server.stop();
    }
  });

  it("POST /publish reaches every WebSocket subscriber exactly once, with fan-out latency per receiver", { timeout: 60_000 }, async () => {
    const stack = discoverStacks().find((s) => s.id === "ws")!;
    const server = await launchServer(stack);
    try {
      const point = short(http.plan("quick").points.find((p) => p.params.target === "publish")!);
      const subscribers = point.load.pubsub.subscribers;
      const { record } = await measurePoint(point, {
        scenario: http,
        server,
        protocol: "ws",
        driver: "frame",
        serverCpus: [],
        clientCpus: undefined,
        clientCoreList: [],
        rep: 0,
        runLoad: () => Promise.reject(new Error("http does not use runLoad")),
      });
      expect(record.postcondition).toEqual({ ok: true, failures: [] });
      expect(record.integrity.sent).toBeGreaterThan(0);
      expect(record.integrity.lost).toBe(0);
      expect(record.integrity.duplicated).toBe(0);
      expect(record.integrity.received).toBe(record.integrity.sent * subscribers);
      expect(record.latency!.count).toBe(record.integrity.sent * subscribers);
      expect(record.connect.succeeded).toBe(subscribers);
      expect(record.flags).not.toContain("integrity");
    } finally {
      await server.stop();
    }
  });
});
