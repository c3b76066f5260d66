import { describe, expect, it } from "vitest";
import { prng as seededRandom } from "@wsarena/stats";
import { backoffCeilingMs, backoffDelayMs, backoffSchedule, type BackoffOptions } from "./backoff.ts";

const base: Omit<BackoffOptions, "policy"> = { baseMs: 100, capMs: 1_000, factor: 2 };

describe("backoff", () => {
  it("no-jitter doubles from the base and stops at the cap", () => {
    expect(backoffSchedule({ ...base, policy: "no-jitter" }, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("full-jitter draws uniformly below the exponential ceiling", () => {
    const o: BackoffOptions = { ...base, policy: "full-jitter" };
    expect(backoffDelayMs(o, 3, () => 0)).toBe(0);
    expect(backoffDelayMs(o, 3, () => 0.5)).toBe(400);
    const rnd = seededRandom(7);
    for (let n = 0; n < 8; n++) {
      const d = backoffDelayMs(o, n, rnd);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(backoffCeilingMs(o, n));
    }
  });

  it("equal-jitter keeps at least half the ceiling", () => {
    const o: BackoffOptions = { ...base, policy: "equal-jitter" };
    expect(backoffDelayMs(o, 2, () => 0)).toBe(200);
    expect(backoffDelayMs(o, 2, () => 0.999)).toBeCloseTo(399.8, 5);
  });

  it("full-jitter spreads 1,000 clients' first retry where no-jitter stacks them on one instant", () => {
    const rnd = seededRandom(1);
    const jittered = new Set(Array.from({ length: 1_000 }, () => Math.floor(backoffDelayMs({ ...base, policy: "full-jitter" }, 0, rnd) / 10)));
    const herd = new Set(Array.from({ length: 1_000 }, () => backoffDelayMs({ ...base, policy: "no-jitter" }, 0)));
    expect(herd.size).toBe(1);
    expect(jittered.size).toBe(10); // every 10 ms bucket of [0, 100) is hit
  });

  it("a seeded source replays the same schedule", () => {
    const o: BackoffOptions = { ...base, policy: "full-jitter" };
    expect(backoffSchedule(o, 5, seededRandom(42))).toEqual(backoffSchedule(o, 5, seededRandom(42)));
  });

  it("rejects a negative attempt with a message that names it", () => {
    expect(() => backoffCeilingMs({ ...base, policy: "no-jitter" }, -1)).toThrow(/attempt must be an integer ≥ 0, got -1/);
  });
});
