import { describe, expect, it } from "vitest";
import type { RepetitionRecord } from "@wsarena/results";
import type { ProgressMark } from "@wsarena/runner";
import { capacityReporter, createProgress, eventLine, pointStatus, progressLine, startingMark, statusWriter } from "./progress.ts";

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
  elapsedMs: 190_000,
  etaMs: 600_000,
  etaMaxMs: 1_800_000,
} as const;

describe("pointStatus", () => {
  it("shows [point/total], the repetition range, the elapsed time and the ETA's upper bound for adaptive repetitions", () => {
    expect(pointStatus(base)).toBe("[41/120] echo-throughput · uws · rep 4 of 3–10 · 64B-text · elapsed 3m10s, ETA 10m00s (at most 30m00s)");
  });
  it("shows rep i/n and a single ETA for a fixed count", () => {
    expect(pointStatus({ ...base, rep: 1, reps: 2, maxReps: 2, etaMaxMs: null })).toBe(
      "[41/120] echo-throughput · uws · rep 2/2 · 64B-text · elapsed 3m10s, ETA 10m00s",
    );
  });
});

const record = (usPerMsg?: number | null) =>
  ({
    flags: [],
    server: { cpuPct: 40, coreBusyPct: 45 },
    clientCoreBusyPct: 30,
    clientCpu: { utilisation: 0.25, ...(usPerMsg !== undefined ? { usPerMsg } : {}) },
  }) as unknown as RepetitionRecord;
const mark: ProgressMark = { done: 12, total: 40, elapsedMs: 65_000, etaMs: 240_000, etaMaxMs: null };
const pointDone = (r: RepetitionRecord, at: ProgressMark = mark) =>
  eventLine({ type: "point-done", scenario: "pubsub", stack: "uws", rep: 0, point: "100sub-1k/s", record: r, headline: 900, unit: "µs", ...at });

describe("eventLine of a finished point", () => {
  it("prints the client's CPU µs per received message", () => {
    expect(pointDone(record(3.25))).toBe(
      "[12/40] pubsub 100sub-1k/s uws rep 1: 900 µs (server core 45% (process 40%), client core 30%, 3.25 µs/msg) · elapsed 1m05s, ETA 4m00s",
    );
  });
  it("prints nothing for it where the repetition does not carry it", () => {
    const line = "[12/40] pubsub 100sub-1k/s uws rep 1: 900 µs (server core 45% (process 40%), client core 30%) · elapsed 1m05s, ETA 4m00s";
    expect(pointDone(record())).toBe(line);
    expect(pointDone(record(null))).toBe(line);
  });
  it("carries the re-estimated ETA and its upper bound as the run goes", () => {
    expect(pointDone(record(), { done: 41, total: 118, elapsedMs: 3_720_000, etaMs: 12_000, etaMaxMs: 245_000 })).toMatch(
      /^\[41\/118\] pubsub .* · elapsed 1h02m, ETA 12s \(at most 4m05s\)$/,
    );
  });
});

describe("eventLine of the other progress events", () => {
  it("prefixes a verification and an errored measurement with how far the run has got", () => {
    const verified = { done: 1, total: 6, elapsedMs: 40_000, etaMs: 200_000, etaMaxMs: null };
    expect(eventLine({ type: "verify-done", stack: "uws", outcome: { ok: true, level: "full", failures: [] }, ...verified })).toBe(
      "[1/6] verify uws: ok (full) · elapsed 40s, ETA 3m20s",
    );
    expect(eventLine({ type: "measurement-error", scenario: "pubsub", stack: "ws", rep: 1, message: "ws exited\nstack", ...mark })).toBe(
      "[12/40] pubsub ws rep 2: ERROR ws exited · elapsed 1m05s, ETA 4m00s",
    );
  });
  it("says elapsed only while nothing has finished to estimate the time left from", () => {
    expect(progressLine("verify uws …", startingMark({ done: 0, total: 6, elapsedMs: 0, etaMs: null, etaMaxMs: null }))).toBe(
      "[1/6] verify uws … · elapsed 0s",
    );
  });
});

describe("capacity progress lines", () => {
  it("carry [steps done/steps planned], the elapsed time and the time left; the step being measured is numbered as the next", () => {
    const out = sink(true);
    const w = statusWriter(out.stream);
    const report = capacityReporter(w);
    const at = { done: 3, total: 7, elapsedMs: 95_000, etaMs: 126_000, etaMaxMs: null };
    report.onStatus("capacity uws: step 4 (ladder) 50 users", at);
    report.onProgress("capacity uws: step 4 (ladder) 50 users (100 conns): p50 1.2ms p99 3ms → PASS", { ...at, done: 4, elapsedMs: 125_000, etaMs: 93_750 });
    w.end();
    expect(out.text()).toBe(
      "\r\x1b[2K[4/7] capacity uws: step 4 (ladder) 50 users · elapsed 1m35s, ETA 2m06s" +
        "\r\x1b[2K[4/7] capacity uws: step 4 (ladder) 50 users (100 conns): p50 1.2ms p99 3ms → PASS · elapsed 2m05s, ETA 1m34s\n" +
        "\r\x1b[2K[4/7] capacity uws: step 4 (ladder) 50 users · elapsed 1m35s, ETA 2m06s" +
        "\r\x1b[2K",
    );
  });
  it("in a log: the step lines only", () => {
    const out = sink(false);
    const report = capacityReporter(statusWriter(out.stream));
    report.onStatus("capacity uws: step 1 (ladder) 5 users", { done: 0, total: 14, elapsedMs: 2_000, etaMs: 98_000, etaMaxMs: null });
    report.onProgress("capacity uws: step 1 (ladder) 5 users (10 conns): … → PASS", { done: 1, total: 14, elapsedMs: 9_000, etaMs: 117_000, etaMaxMs: null });
    expect(out.text()).toBe("[1/14] capacity uws: step 1 (ladder) 5 users (10 conns): … → PASS · elapsed 9s, ETA 1m57s\n");
  });
});

/** A stream that keeps what is written to it. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("where progress of a run goes", () => {
  it("in a log: plain lines only, each with its progress, and a line for a verification starting", () => {
    const out = sink(false);
    const p = createProgress(out.stream);
    p.onEvent({ type: "verify-start", stack: "uws", done: 0, total: 1, elapsedMs: 0, etaMs: null, etaMaxMs: null });
    p.onEvent(base);
    p.onEvent({ type: "point-done", scenario: "pubsub", stack: "uws", rep: 0, point: "100sub-1k/s", record: record(), headline: 900, unit: "µs", ...mark });
    p.end();
    expect(out.text()).not.toContain("\r");
    expect(out.text().split("\n")).toEqual([
      "[1/1] verify uws … · elapsed 0s",
      "[12/40] pubsub 100sub-1k/s uws rep 1: 900 µs (server core 45% (process 40%), client core 30%) · elapsed 1m05s, ETA 4m00s",
      "",
    ]);
  });
  it("on a terminal: one live status line, redrawn under each log line and cleared at the end", () => {
    const out = sink(true);
    const p = createProgress(out.stream);
    p.onEvent(base);
    p.onEvent({ type: "point-done", scenario: "pubsub", stack: "uws", rep: 0, point: "100sub-1k/s", record: record(), headline: 900, unit: "µs", ...mark });
    p.end();
    const status = "[41/120] echo-throughput · uws · rep 4 of 3–10 · 64B-text · elapsed 3m10s, ETA 10m00s (at most 30m00s)";
    expect(out.text()).toBe(
      `\r\x1b[2K${status}\r\x1b[2K[12/40] pubsub 100sub-1k/s uws rep 1: 900 µs (server core 45% (process 40%), client core 30%) · elapsed 1m05s, ETA 4m00s\n\r\x1b[2K${status}\r\x1b[2K`,
    );
  });
});
