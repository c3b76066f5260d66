import { afterEach, describe, expect, it, vi } from "vitest";
import { createStats, exitWhenClosed, serverState, statsBody } from "./index.ts";

describe("stats", () => {
  it("starts every counter at zero and reports rss and uptime with them", () => {
    const s = createStats();
    expect(Object.values(s).every((v) => v === 0)).toBe(true);
    s.messagesOut++;
    const body = statsBody(s, 1234, performance.now() - 50);
    expect(body).toMatchObject({ messagesOut: 1, rssBytes: 1234 });
    expect(body.uptimeMs).toBeGreaterThanOrEqual(50);
  });
});

describe("serverState", () => {
  it("starts with zero counters, no topics and no connections", () => {
    const s = serverState<object>();
    expect(s.stats.connections).toBe(0);
    expect(s.conns.size).toBe(0);
    expect(s.topics.subscribers("t")).toBeUndefined();
    expect(s.startedMs).toBeLessThanOrEqual(performance.now());
  });
});

describe("exitWhenClosed", () => {
  afterEach(() => vi.useRealTimers());

  it("exits as soon as the last connection closed, before the grace period", () => {
    vi.useFakeTimers();
    const open = new Set([1]);
    let exits = 0;
    exitWhenClosed(open, () => exits++, 1500);
    vi.advanceTimersByTime(100);
    expect(exits).toBe(0);
    open.clear();
    vi.advanceTimersByTime(10);
    expect(exits).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(exits).toBe(1);
  });

  it("exits after the grace period when a connection stays open", () => {
    vi.useFakeTimers();
    let exits = 0;
    exitWhenClosed(new Set([1]), () => exits++, 1500);
    vi.advanceTimersByTime(1499);
    expect(exits).toBe(0);
    vi.advanceTimersByTime(1);
    expect(exits).toBe(1);
  });
});
