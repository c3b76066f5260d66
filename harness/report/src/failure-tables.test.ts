// Failure-scenario tables and charts on a real slow-consumer result set (fixtures/slow-consumer: quick, uws and ws).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { slowConsumerChart, soakChart } from "./charts/failure.ts";
import { failureTables, ratioText, slowConsumerAnswer, slowConsumerTable, soakTable } from "./failure-tables.ts";
import { loadReportInput } from "./load.ts";
import { REAL_FIXTURE_DIR } from "./test-support/fixture.ts";

const SLOW_FIXTURE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/slow-consumer");
const SOAK_FIXTURE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/soak");

describe("slow-consumer table and chart", () => {
  const input = loadReportInput(SLOW_FIXTURE_DIR);

  it("has a row per stack and point with drops under drop, a 1008 close under close and growing RSS under buffer", () => {
    const t = slowConsumerTable(input)!;
    const row = (stack: string, point: string) => t.rows.find((r) => r[0]!.text === stack && r[1]!.text.startsWith(point))!.map((c) => c.text);
    expect(t.rows).toHaveLength(8);
    for (const stack of ["uws", "ws"]) {
      expect(row(stack, "baseline")[5]).toBe("–");
      expect(row(stack, "drop")[5]).toMatch(/^\d[\d.]*k \/ \d[\d.]*k$/);
      expect(row(stack, "close")[6]).toBe("1 / 1 (1008×1)");
      expect(row(stack, "buffer")[3]).toBe("growing");
      expect(row(stack, "buffer")[9]).toMatch(/^p50 ×[\d.]+ \(1 rep\); p99 ×[\d.]+ \(1 rep\)$/);
    }
  });

  it("answers the question per stack: cannot tell with one repetition, hurts only where an interval says so", () => {
    expect(slowConsumerAnswer(input)).toContain("uws: cannot tell under drop, close, buffer (fewer than 2 repetitions)");
    // Three repetitions per point: baseline p50/p99 ≈ 100/1000 µs, buffer twice that, drop and close the same.
    const scaled = (factor: number) => (r: (typeof input.points)[number]["reps"][number], i: number) => ({
      ...r,
      latency: { ...r.latency!, p50Us: factor * (100 + i), p99Us: factor * (1000 - 10 * i) },
    });
    const points = input.points.map((p) => {
      if (p.scenario !== "slow-consumer") return p;
      const rep = p.reps[0]!;
      const factor = p.pointKey.endsWith("buffer") ? 2 : 1;
      return { ...p, reps: [rep, rep, rep].map(scaled(factor)) };
    });
    const answer = slowConsumerAnswer({ ...input, points })!;
    expect(answer).toMatch(
      /uws: hurt under buffer \(p50 ×2\.00, 95 % CI [\d.]+–[\d.]+; p99 ×2\.00, 95 % CI [\d.]+–[\d.]+\); no harm shown under drop, close \(not told apart from the baseline; the intervals still allow up to p50 ×1\.\d\d, p99 ×1\.\d\d\)/,
    );
    expect(slowConsumerTable({ ...input, points })!.notes![0]).toBe(answer);
  });

  it("draws one RSS panel per point with a line per stack", () => {
    const ch = slowConsumerChart(input)!;
    const opt = ch.option as { grid: unknown[]; series: Array<{ name: string; xAxisIndex: number; data: unknown[] }> };
    expect(opt.grid).toHaveLength(4);
    expect(opt.series).toHaveLength(8);
    expect(opt.series.every((s) => s.data.length > 8)).toBe(true);
    expect(new Set(opt.series.map((s) => s.xAxisIndex))).toEqual(new Set([0, 1, 2, 3]));
  });

  it("adds no failure table or chart to a set without failure scenarios", () => {
    const core = loadReportInput(REAL_FIXTURE_DIR);
    expect(slowConsumerTable(core)).toBeNull();
    expect(soakTable(core)).toBeNull();
    expect(slowConsumerChart(core)).toBeNull();
    expect(soakChart(core)).toBeNull();
    expect(core.scenarios.flatMap((s) => failureTables(core, s))).toEqual([]);
  });
});

describe("soak table and chart", () => {
  const input = loadReportInput(SOAK_FIXTURE_DIR);

  it("has a row per stack with the RSS slope, its interval and how many repetitions were flagged suspected-leak", () => {
    const t = soakTable(input)!;
    expect(t.rows.map((r) => r[0]!.text)).toEqual(["uws", "ws"]);
    for (const r of t.rows) {
      expect(r[3]!.text).toMatch(/^-?\d+ \(-?\d+–-?\d+\)$/);
      expect(r[4]!.text).toMatch(/^[01] of 1$/);
    }
    // The verdict follows the stored interval: flagged exactly when its lower end is above zero.
    for (const p of input.points) {
      const d = p.reps[0]!.details as { rssSlopeCiKibPerMin: [number, number]; suspectedLeak: boolean };
      expect(d.suspectedLeak).toBe(d.rssSlopeCiKibPerMin[0] > 0);
      expect(p.reps[0]!.flags.includes("suspected-leak")).toBe(d.suspectedLeak);
    }
  });

  it("draws RSS and the probe's per-second p99 for each stack", () => {
    const opt = soakChart(input)!.option as { grid: unknown[]; series: Array<{ yAxisIndex: number; data: unknown[] }> };
    expect(opt.grid).toHaveLength(2);
    expect(opt.series.filter((s) => s.yAxisIndex === 0)).toHaveLength(2);
    expect(opt.series.filter((s) => s.yAxisIndex === 1).every((s) => s.data.length >= 30)).toBe(true);
  });
});

describe("ratioText", () => {
  it("gives the ratio without an interval for one repetition and with one (and whether it decides) for several", () => {
    expect(ratioText([100], [200])).toBe("×2.00 (1 rep)");
    expect(ratioText([100, 101, 99], [200, 202, 198])).toMatch(/^×2\.00 \(95 % CI 1\.9\d–2\.0\d\)$/);
    expect(ratioText([100, 150, 80], [110, 90, 140])).toMatch(/not told apart$/);
    expect(ratioText([], [1])).toBe("–");
  });
});
