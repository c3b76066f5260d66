import { describe, expect, it } from "vitest";
import { pointStatus } from "./progress.ts";

const base = { type: "point-start", scenario: "echo-throughput", stack: "uws", rep: 3, reps: 3, maxReps: 10, point: "64B-text", done: 40, total: 120, etaMs: 600_000, etaMaxMs: 1_800_000 } as const;

describe("pointStatus", () => {
  it("shows the repetition range and the ETA's upper bound for adaptive repetitions", () => {
    expect(pointStatus(base)).toBe("[41/120] echo-throughput · uws · rep 4 of 3–10 · 64B-text · ETA 10m00s (at most 30m00s)");
  });
  it("shows rep i/n and a single ETA for a fixed count", () => {
    expect(pointStatus({ ...base, rep: 1, reps: 2, maxReps: 2, etaMaxMs: null })).toBe("[41/120] echo-throughput · uws · rep 2/2 · 64B-text · ETA 10m00s");
  });
});
