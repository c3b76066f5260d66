import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { KneeRecord, KneeRepetitionRecord } from "@wsarena/results";
import { latencyVsRateChart } from "./charts/latency-vs-rate.ts";
import { kneeRepText, kneeSummaries, kneeTable, kneeText, kneeVerdict } from "./knee.ts";
import { formatVerdict } from "./rank.ts";
import { loadReportInput } from "./load.ts";
import type { KneeView, ReportInput } from "./model.ts";
import { writeReport } from "./report.ts";
import { decisionTable } from "./decision-table.ts";

const fixture = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/quick-knee");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const rep = (r: number, rate: number | null, failed: number | null, atLeast = false): KneeRepetitionRecord => ({
  rep: r,
  rateMsgsPerSec: rate,
  atLeast,
  failedRateMsgsPerSec: failed,
  steps: [],
});
const record = (reps: KneeRepetitionRecord[]): KneeRecord => ({ slo: "p99<5ms", minReceivedShare: 0.95, maxRatio: 1.1, maxBisectSteps: 2, reps });
const input = (knees: KneeView[]): ReportInput => ({
  dir: "",
  run: {} as ReportInput["run"],
  scenarios: ["echo-latency"],
  stacks: knees.map((k) => k.stack),
  points: [],
  knees,
});
const view = (stack: string, reps: KneeRepetitionRecord[]): KneeView => ({ stack, scenario: "echo-latency", status: "ok", knee: record(reps) });

describe("knee summaries (synthetic records)", () => {
  it("geometric mean and its interval over repetitions; brackets per repetition", () => {
    const [s] = kneeSummaries(input([view("a", [rep(0, 20_000, 28_300), rep(1, 40_000, 56_600)])]));
    expect(s!.geoMean).toBeCloseTo(Math.sqrt(20_000 * 40_000), 6);
    expect(s!.interval!.low).toBeLessThan(20_000);
    expect(s!.interval!.high).toBeGreaterThan(40_000);
    expect(kneeText(s!)).toBe("28.3k msg/s");
    expect(s!.record.reps.map(kneeRepText)).toEqual(["20.0k (<28.3k)", "40.0k (<56.6k)"]);
  });
  it("a knee above the ladder or below every rate tried is shown as its bound and kept out of the ranking", () => {
    const sums = kneeSummaries(
      input([
        view("hi", [rep(0, 80_000, null, true), rep(1, 40_000, 56_600)]),
        view("lo", [rep(0, null, 5_000), rep(1, null, 5_000)]),
        view("x", [rep(0, 20_000, 28_300), rep(1, 20_000, 28_300)]),
      ]),
    );
    const [hi, lo] = sums;
    expect(kneeText(hi!)).toBe("40.0k msg/s (1 of 2 reps ≥80.0k)");
    expect(hi!.excluded).toMatch(/^no rate tried failed in 1 of 2 repetitions/);
    expect(kneeText(lo!)).toBe("<5.00k msg/s");
    expect(lo!.excluded).toMatch(/SLO was not met at the lowest rate tried in 2 of 2/);
    const v = kneeVerdict(sums);
    expect(v.better).toBe("higher");
    expect(v.ranked.map((r) => r.stack)).toEqual(["x"]);
    expect(v.unranked.map((u) => u.stack).sort()).toEqual(["hi", "lo"]);
  });
  it("a knee whose failing window was client-loaded is where the machine gave out: not ranked", () => {
    const failing = {
      rateMsgsPerSec: 28_300,
      phase: "bisect" as const,
      pass: false,
      p99Us: 9_000,
      floorP99Us: 800,
      receivedShare: 1,
      failures: ["p99<5ms: 9ms"],
      flags: ["client-loaded" as const],
    };
    const k = view("c", [{ ...rep(0, 20_000, 28_300), steps: [failing] }, rep(1, 20_000, 28_300)]);
    const [s] = kneeSummaries(input([k, view("d", [rep(0, 10_000, 14_100), rep(1, 10_000, 14_100)])]));
    expect(s!.flags).toContain("client-loaded");
    expect(kneeVerdict(kneeSummaries(input([k, view("d", [rep(0, 10_000, 14_100), rep(1, 11_000, 14_100)])]))).unranked.map((u) => u.stack)).toEqual(["c"]);
  });
  it("a set without knees (older sets) has no table", () => {
    expect(kneeTable(input([]), "echo-latency")).toBeNull();
  });
});

describe("sustainable rate on a real quick run (fixtures/quick-knee: uws, ws, socket-io on a busy 2-core VM)", () => {
  const real = loadReportInput(fixture);

  it("reads each stack's knee per repetition and summarises it with its bounds", () => {
    const sums = kneeSummaries(real);
    expect(sums.map((s) => [s.stack, s.record.reps.length])).toEqual([
      ["socket-io", 3],
      ["uws", 3],
      ["ws", 2],
    ]);
    const uws = sums.find((s) => s.stack === "uws")!;
    expect(uws.values).toEqual([28_300, 40_000]);
    expect(kneeText(uws)).toBe("33.6k msg/s (1 of 3 reps <5.00k)");
    expect(uws.flags).toEqual(expect.arrayContaining(["client-loaded", "at-floor"]));
    expect(kneeText(sums.find((s) => s.stack === "ws")!)).toBe("≥80.0k, <5.00k msg/s");
    // Every stack has a repetition that only bounds its knee, and the windows that failed were client-loaded: nothing is ranked.
    expect(formatVerdict(kneeVerdict(sums))).toMatch(
      /^no stack ranked; unranked: socket-io \(the SLO was not met at the lowest rate tried in 1 of 3 repetitions\); uws \(.*\); ws \(no rate tried failed in 1 of 2 repetitions/,
    );
  });

  it("prints the sustainable-rate table in the echo-latency section and a decision-table column", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsarena-knee-report-"));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    writeReport(dir);
    const md = readFileSync(join(dir, "report.md"), "utf8");
    expect(md).toContain("### echo-latency: sustainable rate");
    expect(md).toContain(
      "| uws | ⚠ 33.6k msg/s (1 of 3 reps <5.00k) † | 3.73k–303k | 28.3k (<40.0k), <5.00k, 40.0k (<56.6k) | 40.0k: p99<5ms: 90.56ms [client-loaded, at-floor]; ",
    );
    expect(md).toContain("Sustainable rate @ p99<5ms: a window passes when it meets p99<5ms, loses nothing");
    const col = decisionTable(real).columns.find((c) => c.question === "Sustainable msg/s")!;
    const part = col.parts[0]!;
    expect(part.label).toBe("@ p99<5ms");
    expect(Object.fromEntries(Object.entries(part.figures).map(([s, f]) => [s, `${f.warn.length ? "⚠ " : ""}${f.text}`]))).toEqual({
      "socket-io": "⚠ 5.00k",
      uws: "⚠ 33.6k",
      ws: "⚠ ≥80.0k, <5.00k",
    });
    // No knee can be ranked: the box says why, from the verdict (socket-io's bound, uws's client-loaded windows, ws's bound).
    expect(part.decided).toBeNull();
    expect(part.open).toMatch(/^Sustainable rate \(echo-latency knee @ p99<5ms\): .*socket-io.*uws.*ws/);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("<h3>Sustainable rate</h3>");
  });

  it("marks each bracketed knee on the latency-against-rate chart, with the SLO line and the floor band", () => {
    const spec = latencyVsRateChart(real)!;
    const series = (spec.option as { series: { name: string; markLine?: { data: { xAxis?: number; yAxis?: number }[] }; areaStyle?: unknown }[] }).series;
    const marks = series.filter((s) => s.markLine).map((s) => [s.name, Math.round(s.markLine!.data[0]!.xAxis!), s.markLine!.data[1]!.yAxis]);
    expect(marks).toEqual([
      ["socket-io", 5_000, 5_000],
      ["uws", 33_645, 5_000],
    ]);
    expect(series.some((s) => s.name === "floor band" && s.areaStyle)).toBe(true);
    // socket-io's knee lies below the ladder's lowest rate (20k): the axis starts low enough to show it.
    expect((spec.option as { xAxis: { min?: number } }).xAxis.min).toBe(1_000);
  });

  it("an older set (fixtures/real) has no knee: no column, no section, and the cannot-tell box says how to measure it", () => {
    const old = loadReportInput(resolve(fixture, "../real"));
    expect(old.knees).toBeUndefined();
    const dt = decisionTable(old);
    expect(dt.columns.some((c) => c.question.startsWith("Sustainable"))).toBe(false);
    expect(dt.cannotTell.some((l) => l.startsWith("Sustainable rate at the SLO: no knee search in this set"))).toBe(true);
    expect(kneeTable(old, "echo-latency")).toBeNull();
  });
});
