import { afterEach, describe, expect, it, vi } from "vitest";
import { IDLE_SWEEPS_PER_TIMEOUT, paceIntervalMs, startIdleSweep, startPings, ticksDue } from "./index.ts";

describe("ticksDue", () => {
  it("is one at the start, then one more per 1/rate seconds", () => {
    expect(ticksDue(0, 1000, 0)).toBe(1);
    expect(ticksDue(0.999, 1000, 0)).toBe(1);
    expect(ticksDue(1, 1000, 0)).toBe(2);
    expect(ticksDue(2000, 2000, 0)).toBe(4001);
  });

  it("catches up after a late timer and stops at count", () => {
    expect(ticksDue(50, 1000, 0)).toBe(51);
    expect(ticksDue(50, 1000, 10)).toBe(10);
    expect(ticksDue(5, 1000, 10)).toBe(6);
  });

  it("uses a timer period of one tick, at least 1 ms", () => {
    expect(paceIntervalMs(100)).toBe(10);
    expect(paceIntervalMs(5000)).toBe(1);
  });
});

describe("startIdleSweep", () => {
  afterEach(() => vi.useRealTimers());

  it("closes a silent connection after more than IDLE_SWEEPS_PER_TIMEOUT sweeps and keeps an active one", () => {
    vi.useFakeTimers();
    const idle = { idleSweeps: 0 };
    const active = { idleSweeps: 0 };
    const closed: object[] = [];
    const stop = startIdleSweep(2, new Set([idle, active]), (c) => closed.push(c));
    const sweepMs = 2000 / IDLE_SWEEPS_PER_TIMEOUT;
    for (let i = 0; i < IDLE_SWEEPS_PER_TIMEOUT; i++) {
      vi.advanceTimersByTime(sweepMs);
      active.idleSweeps = 0; // what a received frame does
    }
    expect(closed).toEqual([]);
    vi.advanceTimersByTime(sweepMs);
    expect(closed).toEqual([idle]);
    stop();
  });

  it("starts nothing when the timeout is 0", () => {
    vi.useFakeTimers();
    const conn = { idleSweeps: 0 };
    startIdleSweep(0, [conn], () => {
      throw new Error("must not close");
    });
    vi.advanceTimersByTime(10_000_000);
    expect(conn.idleSweeps).toBe(0);
  });
});

describe("startPings", () => {
  afterEach(() => vi.useRealTimers());

  it("pings every open connection once per interval, including ones that opened since, until stopped", () => {
    vi.useFakeTimers();
    const conns = new Set(["a", "b"]);
    const pinged: string[] = [];
    const stop = startPings(2, conns, (c) => pinged.push(c));
    vi.advanceTimersByTime(1999);
    expect(pinged).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(pinged).toEqual(["a", "b"]);
    conns.add("c");
    vi.advanceTimersByTime(2000);
    expect(pinged).toEqual(["a", "b", "a", "b", "c"]);
    stop();
    vi.advanceTimersByTime(10_000);
    expect(pinged.length).toBe(5);
  });

  it("starts nothing when the interval is 0", () => {
    vi.useFakeTimers();
    startPings(0, ["a"], () => {
      throw new Error("must not ping");
    });
    vi.advanceTimersByTime(10_000_000);
  });
});
