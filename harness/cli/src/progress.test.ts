import { describe, expect, it } from "vitest";
import type { RepetitionRecord } from "@wsarena/results";
import { eventLine, pointStatus } from "./progress.ts";

const base = {
  type: "point-start",
  scenario: "echo-throughput",
  stack: "uws",
  rep: 3,
  reps: 3,
  maxReps: 10,
  point: "64B-text",
  done: 40,
  total: 120,
  etaMs: 600_000,
  etaMaxMs: 1_800_000,
} as const;

describe("pointStatus", () => {
  it("shows the repetition range and the ETA's upper bound for adaptive repetitions", () => {
    expect(pointStatus(base)).toBe("[41/120] echo-throughput · uws · rep 4 of 3–10 · 64B-text · ETA 10m00s (at most 30m00s)");
  });
  it("shows rep i/n and a single ETA for a fixed count", () => {
    expect(pointStatus({ ...base, rep: 1, reps: 2, maxReps: 2, etaMaxMs: null })).toBe("[41/120] echo-throughput · uws · rep 2/2 · 64B-text · ETA 10m00s");
  });
});

describe("eventLine of a finished point", () => {
  const record = (usPerMsg?: number | null) =>
    ({
      flags: [],
      server: { cpuPct: 40, coreBusyPct: 45 },
      clientCoreBusyPct: 30,
      clientCpu: { utilisation: 0.25, ...(usPerMsg !== undefined ? { usPerMsg } : {}) },
    }) as unknown as RepetitionRecord;
  const done = (r: RepetitionRecord) =>
    eventLine({ type: "point-done", scenario: "pubsub", stack: "uws", rep: 0, point: "100sub-1k/s", record: r, headline: 900, unit: "µs" });
  it("prints the client's CPU µs per received message", () => {
    expect(done(record(3.25))).toBe("pubsub 100sub-1k/s uws rep 1: 900 µs (server core 45% (process 40%), client core 30%, 3.25 µs/msg)");
  });
  it("prints nothing for it where the repetition does not carry it", () => {
    expect(done(record())).toBe("pubsub 100sub-1k/s uws rep 1: 900 µs (server core 45% (process 40%), client core 30%)");
    expect(done(record(null))).toBe("pubsub 100sub-1k/s uws rep 1: 900 µs (server core 45% (process 40%), client core 30%)");
  });
});
