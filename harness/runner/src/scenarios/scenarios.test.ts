import { describe, expect, it } from "vitest";
import { CONNECTIONS_POINTS, setLimitsReader } from "./connections.ts";
import { PUBSUB_POINTS } from "./pubsub.ts";
import { PROFILES, PROFILE_TIMING, SCENARIOS, groupOf, selectScenarios, supportsScenario } from "./index.ts";

describe("scenario plans per profile", () => {
  for (const scenario of SCENARIOS) {
    for (const profile of PROFILES) {
      it(`${scenario.id} / ${profile}: points have unique keys, the profile's timing and a load mode`, () => {
        const plan = scenario.plan(profile);
        expect(plan.points.length).toBeGreaterThan(0);
        expect(new Set(plan.points.map((p) => p.key)).size).toBe(plan.points.length);
        for (const p of plan.points) {
          // Failure scenarios set their own windows (a soak lasts minutes); core and scale points use the profile's.
          if (groupOf(scenario) !== "failure") expect(p.load.durationMs).toBe(PROFILE_TIMING[profile].durationMs);
          expect(p.load.connections).toBeGreaterThan(0);
          expect(["echo", "echo-open", "stream", "pubsub", "connections"]).toContain(p.load.mode);
          expect(Object.values(p.params).every((v) => ["number", "string", "boolean"].includes(typeof v))).toBe(true);
        }
      });
    }
    it(`${scenario.id}: quick measures no more points than standard, and standard no more than full`, () => {
      const n = PROFILES.map((p) => scenario.plan(p).points.length);
      expect(n[0]).toBeLessThanOrEqual(n[1]!);
      expect(n[1]).toBeLessThanOrEqual(n[2]!);
    });
  }

  it("echo-throughput covers 64 B, 1 KiB and 16 KiB in text and binary in the standard profile", () => {
    const keys = selectScenarios(["echo-throughput"])[0]!
      .plan("standard")
      .points.map((p) => p.key);
    expect(keys).toEqual(["64B-text", "64B-binary", "1KiB-text", "1KiB-binary", "16KiB-text", "16KiB-binary"]);
  });

  it("echo-latency offers an increasing rate ladder starting at 1k msg/s in the standard profile", () => {
    const rates = selectScenarios(["echo-latency"])[0]!
      .plan("standard")
      .points.map((p) => p.load.rate);
    expect(rates[0]).toBe(1000);
    expect([...rates].sort((a, b) => a - b)).toEqual(rates);
  });

  it("echo-latency spreads the offered rate over more connections as it grows, and states connections and rate per connection", () => {
    const points = selectScenarios(["echo-latency"])[0]!.plan("full").points;
    const conns = points.map((p) => p.load.connections);
    expect([...conns].sort((a, b) => a - b)).toEqual(conns);
    expect(conns[0]).toBeLessThan(conns[conns.length - 1]!);
    for (const p of points) {
      expect(p.params.connections).toBe(p.load.connections);
      expect(p.params.ratePerConnection).toBe(p.load.rate / p.load.connections);
    }
  });

  it("echo-latency counts a point as saturated when fewer than 90% of offered messages come back", () => {
    const s = selectScenarios(["echo-latency"])[0]!;
    const point = s.plan("quick").points[0]!;
    const outcome = (msgsPerSec: number) => ({ point, result: { msgsPerSec } as never, statsBefore: null, statsAfter: null, server: null });
    expect(s.saturated!(outcome(point.load.rate * 0.5))).toBe(true);
    expect(s.saturated!(outcome(point.load.rate * 0.99))).toBe(false);
  });

  it("stream max-rate points are throughput points and fixed-rate points are latency points", () => {
    const pts = selectScenarios(["stream-binary"])[0]!.plan("standard").points;
    expect(pts.find((p) => p.load.stream.rate === 0)!.kind).toBe("throughput");
    expect(pts.filter((p) => p.load.stream.rate > 0).every((p) => p.kind === "latency")).toBe(true);
    expect(pts.every((p) => p.load.stream.format === "binary")).toBe(true);
  });

  it("pubsub uses 30 subscribers in quick and 10 and 30 in standard, at most 30k deliveries/s outside full", () => {
    expect(PUBSUB_POINTS.quick.map((p) => p.subscribers)).toEqual([30]);
    expect(PUBSUB_POINTS.standard.map((p) => p.subscribers)).toEqual([10, 30]);
    const deliveries = [...PUBSUB_POINTS.quick, ...PUBSUB_POINTS.standard].map((p) => p.subscribers * p.publishPerSec);
    expect(Math.max(...deliveries)).toBeLessThanOrEqual(30_000);
  });

  it("connections asks for 1,000 in quick, 19,000 in standard and 100,000 in full, with heartbeats at 1 s outside quick", () => {
    expect(CONNECTIONS_POINTS.quick[0]).toEqual({ connections: 1000, heartbeatIntervalS: 0 });
    expect(CONNECTIONS_POINTS.standard[0]).toEqual({ connections: 19_000, heartbeatIntervalS: 1 });
    expect(CONNECTIONS_POINTS.full[0]).toEqual({ connections: 100_000, heartbeatIntervalS: 1 });
  });

  it("connections sizes its point from the machine's limits and names the one that caps it", () => {
    const limits = {
      serverOpenFiles: { soft: 20_000, hard: 20_000 },
      clientOpenFiles: { soft: 20_000, hard: 20_000 },
      ephemeralPorts: { low: 32768, high: 60999 },
      memAvailableBytes: 2 ** 34,
      fileMax: 10 ** 7,
    };
    const prev = setLimitsReader(() => limits);
    try {
      const s = selectScenarios(["connections"])[0]!;
      const [p] = s.plan("full").points;
      expect(p!.key).toBe("19000conn");
      expect(p!.params).toMatchObject({ connections: 19_000, requestedConnections: 100_000, cappedBy: "file-descriptors" });
      expect(p!.load).toMatchObject({ connections: 19_000, workers: 2, sourceAddresses: 2 });
      expect(s.plan("quick").points[0]!.params).toMatchObject({ connections: 1000, cappedBy: "profile" });
    } finally {
      setLimitsReader(prev);
    }
  });

  it("pubsub checks exactly-once delivery in its postcondition", () => {
    const s = selectScenarios(["pubsub"])[0]!;
    const point = s.plan("quick").points[0]!;
    const integrity = { sent: 10, received: 10 * 100 - 1, lost: 1, duplicated: 0, reordered: 0, corrupted: 0 };
    const failures = s.postcondition({ point, result: { integrity } as never, statsBefore: null, statsAfter: null, server: null });
    expect(failures.some((f) => f.startsWith("exactly-once"))).toBe(true);
    expect(failures.some((f) => f.startsWith("integrity"))).toBe(true);
  });
});

describe("selectScenarios", () => {
  it("returns every scenario when none is named", () => {
    expect(selectScenarios(undefined).map((s) => s.id)).toEqual(SCENARIOS.filter((s) => groupOf(s) === "core").map((s) => s.id));
    expect(selectScenarios(["all"]).map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id));
  });
  it("rejects an unknown scenario and lists the valid ones", () => {
    expect(() => selectScenarios(["echo", "pubsub"])).toThrow(/unknown scenario "echo"; valid scenarios: echo-throughput, echo-latency/);
  });
});

describe("supportsScenario", () => {
  it("treats a manifest without a scenarios list as supporting everything", () => {
    expect(supportsScenario({}, "pubsub")).toBe(true);
    expect(supportsScenario({ scenarios: ["echo-throughput"] }, "pubsub")).toBe(false);
  });
});
