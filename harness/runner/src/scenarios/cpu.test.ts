import { describe, expect, it } from "vitest";
import { SCENARIO_GROUP } from "@wsarena/results";
import { CPU_HELD_SHARE, cpu } from "./cpu.ts";
import { PROFILE_TIMING, selectScenarios } from "./index.ts";
import type { WindowOutcome } from "./types.ts";

/** The slowest stack's capacity in the reference set (socket.io: ~57k echo/s, ~63k stream ticks/s): every fixed rate must stay well under it. */
const SLOWEST_CAPACITY_MSGS_PER_SEC = 57_000;

describe("cpu scenario plan", () => {
  it("is a core scenario measured by a default run", () => {
    expect(SCENARIO_GROUP.cpu).toBe("core");
    expect(selectScenarios(undefined).map((s) => s.id)).toContain("cpu");
  });

  it("quick measures the echo point only (the headline's), within its time budget", () => {
    const pts = cpu.plan("quick").points;
    expect(pts.map((p) => p.key)).toEqual(["echo-20k/s"]);
    expect(pts[0]!.load).toMatchObject({ mode: "echo-open", connections: 5, rate: 20_000, size: 64, durationMs: PROFILE_TIMING.quick.durationMs });
  });

  for (const profile of ["standard", "full"] as const) {
    it(`${profile}: echo 20k/s over 5 connections, stream 10 × 2k/s, pub/sub 100 × 200/s, each at the profile's timing`, () => {
      const pts = cpu.plan(profile).points;
      expect(pts.map((p) => p.key)).toEqual(["echo-20k/s", "stream-10rx-2k/s", "pubsub-100sub-200/s"]);
      const [echo, stream, pubsub] = pts;
      expect(echo!.load).toMatchObject({ mode: "echo-open", connections: 5, rate: 20_000, size: 64 });
      expect(stream!.load).toMatchObject({ mode: "stream", connections: 10, stream: { format: "json", rate: 2_000 } });
      expect(pubsub!.load).toMatchObject({ mode: "pubsub", connections: 100, rate: 200, pubsub: { subscribers: 100, publishers: 1 } });
      for (const p of pts) {
        expect(p.kind).toBe("latency");
        expect(p.load.durationMs).toBe(PROFILE_TIMING[profile].durationMs);
        expect(p.load.warmupMs).toBe(PROFILE_TIMING[profile].warmupMs);
      }
    });
  }

  it("names the arrival shape and the delivered rate of every point, and keeps that rate under a third of the slowest stack's capacity", () => {
    const pts = cpu.plan("standard").points;
    expect(pts.map((p) => p.params.shape)).toEqual(["pipelined", "server-paced", "pipelined"]);
    expect(pts.map((p) => p.params.fixedRatePerSec)).toEqual([20_000, 20_000, 20_200]);
    for (const p of pts) expect(Number(p.params.fixedRatePerSec)).toBeLessThan(SLOWEST_CAPACITY_MSGS_PER_SEC / 2.5);
  });

  it("headlines server CPU µs per message from the repetition's exact CPU, lower is better", () => {
    const p = cpu.plan("standard").points[0]!;
    expect(cpu.metric(p)).toEqual({ name: "serverCpuUsPerMsg", unit: "µs/msg", better: "lower" });
    expect(cpu.value(p, { cpu: { serverCpuUsPerMsg: 31.5 } } as never)).toBe(31.5);
    expect(cpu.value(p, { cpu: null } as never)).toBeNaN();
  });

  it("fails the postcondition when a stack does not hold the fixed rate", () => {
    const point = cpu.plan("quick").points[0]!;
    const stats = (n: number) => ({ messagesIn: n, messagesOut: n, dropped: 0 }) as never;
    const outcome = (msgsPerSec: number): WindowOutcome => ({
      point,
      result: { msgsPerSec, integrity: { sent: 100, received: 100, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 } } as never,
      statsBefore: stats(0),
      statsAfter: stats(1000),
      server: null,
    });
    expect(cpu.postcondition(outcome(20_010))).toEqual([]);
    const failed = cpu.postcondition(outcome(CPU_HELD_SHARE * 20_000 - 100));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/fixed rate not held/);
  });
});
