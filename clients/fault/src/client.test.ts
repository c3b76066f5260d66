import { describe, expect, it } from "vitest";
import { percentile } from "@wsarena/stats";
import { burstFigures, burstSchedule } from "./client.ts";
import { BUCKET_MS } from "./collect.ts";

const shape = { baseRate: 100, factor: 10, quietMs: 2_000, burstMs: 2_000, afterMs: 2_000 };

/** One subscriber's deliveries: latency (µs) per message from `latUs(sendAtMs)`, received at send time + latency. */
function deliveries(sendAtMs: number[], latUs: (atMs: number) => number) {
  const n = sendAtMs.length;
  const d = { seq: new Float64Array(n), latUs: new Float64Array(n), recvMs: new Float64Array(n), n };
  sendAtMs.forEach((at, k) => {
    d.seq[k] = k;
    d.latUs[k] = latUs(at);
    d.recvMs[k] = at + latUs(at) / 1000;
  });
  return d;
}

describe("burstSchedule", () => {
  it("sends the base rate, factor× during the burst, then the base rate, in send-time order", () => {
    const s = burstSchedule(shape);
    expect(s.filter((t) => t < 2_000)).toHaveLength(200);
    expect(s.filter((t) => t >= 2_000 && t < 4_000)).toHaveLength(2_000);
    expect(s.filter((t) => t >= 4_000)).toHaveLength(200);
    expect([...s].sort((a, b) => a - b)).toEqual(s);
  });
});

describe("burstFigures", () => {
  const s = burstSchedule(shape);

  it("measures the backlog from the burst's end to the last delivery of a message sent by then, and the latency's return", () => {
    // Quiet: 200 µs. The burst builds a queue: latency grows to 300 ms at its end, then decays for 500 ms of send time.
    const lat = (at: number) => (at < 2_000 ? 200 : at < 4_000 ? 200 + (at - 2_000) * 150 : Math.max(200, 300_000 - (at - 4_000) * 600));
    const f = burstFigures(s, deliveries(s, lat), shape);
    expect(f.baselineP99Us).toBe(200);
    expect(f.burstEndMs).toBe(4_000);
    expect(f.backlogDrainMs).toBe(300); // the last burst message (sent at ~4000 ms, 300 ms late)
    // Back within max(2 × 200 µs, 200 µs + 1 ms) = 1.2 ms: send times from ~4498 ms on, i.e. the bucket starting at 4500 ms.
    expect(f.latencyRecoverMs).toBe(500);
    expect(f.drainMs).toBe(500);
    expect(f.buckets[0]!.tMs).toBe(0);
    expect(f.buckets[1]!.tMs).toBe(BUCKET_MS);
    expect(f.buckets.reduce((a, b) => a + b.sent, 0)).toBe(s.length);
  });

  it("does not let one noisy bucket long after the burst undo the recovery", () => {
    const lat = (at: number) => (at >= 5_000 && at < 5_100 ? 50_000 : 200);
    const f = burstFigures(s, deliveries(s, lat), shape);
    expect(f.latencyRecoverMs).toBe(0);
  });

  it("reports no drain when the latency never gets back to baseline", () => {
    const lat = (at: number) => (at < 2_000 ? 200 : 20_000);
    const f = burstFigures(s, deliveries(s, lat), shape);
    expect(f.latencyRecoverMs).toBeNull();
    expect(f.drainMs).toBeNull();
  });
});

describe("percentile", () => {
  it("takes the nearest rank of sorted values", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBeNull();
  });
});
