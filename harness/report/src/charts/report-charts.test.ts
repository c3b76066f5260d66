// The report's chart set (SYNTHETIC sets): captions, no duplicates, hatched unranked bars, the CPU axis, the cost axis,
// the point the latency chart names, plain-word axis names; and the caption under every chart in report.md.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fmtCount } from "../format.ts";
import { toReportInput } from "../load.ts";
import type { PointView, ReportInput } from "../model.ts";
import { DEFAULT_REPORT_OPTIONS, reportCharts, writeReport } from "../report.ts";
import { latencyFocus } from "../select.ts";
import { syntheticResultSet, writeSyntheticResultSet } from "../test-support/synthetic.ts";
import { efficiencyChart } from "./efficiency.ts";
import { latencyChart } from "./latency.ts";
import type { ChartSpec } from "./render.ts";
import { scenarioChart, scenarioChartName } from "./scenario.ts";
import { systemChart } from "./system.ts";
import { throughputChart } from "./throughput.ts";

const input = toReportInput({ dir: "/s", ...syntheticResultSet() });
const { overview, perScenario } = reportCharts(input, DEFAULT_REPORT_OPTIONS);
const all: ChartSpec[] = [...overview, ...Object.values(perScenario)];

type Series = { name: string; type: string; data: unknown[] };
const seriesOf = (spec: ChartSpec): Series[] => (spec.option as { series: Series[] }).series;
/** Stack names of the bars drawn hatched (data items carrying a decal). */
const hatched = (spec: ChartSpec): string[] =>
  seriesOf(spec)
    .filter((s) => s.type === "bar")
    .flatMap((s) => s.data.filter((d) => typeof d === "object" && d !== null && "itemStyle" in d).map(() => s.name));

/** The input with every server sample of `stack` rewritten by `f` (first repetitions drive the system chart). */
function withSamples(base: ReportInput, f: (s: { cpuPct: number; coreBusyPct: number[] }) => { cpuPct: number; coreBusyPct: number[] }): ReportInput {
  const points = base.points.map(
    (p): PointView => ({
      ...p,
      reps: p.reps.map((r) => (r.server ? { ...r, server: { ...r.server, samples: r.server.samples.map((s) => ({ ...s, ...f(s) })) } } : r)),
    }),
  );
  return { ...base, points };
}

describe("the report's charts", () => {
  it("give every chart a caption and a distinct file name and title", () => {
    for (const c of all) expect(c.caption.length, c.name).toBeGreaterThan(40);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    expect(new Set(all.map((c) => c.title)).size).toBe(all.length);
  });

  it("draw echo-throughput once: in the throughput chart, not again as its scenario chart", () => {
    expect(overview.map((c) => c.name)).toContain("throughput");
    expect(perScenario["echo-throughput"]).toBeUndefined();
    expect(all.map((c) => c.name)).not.toContain(scenarioChartName("echo-throughput"));
    // Without the overview's bars to defer to, the scenario chart is still there.
    expect(scenarioChart(input, "echo-throughput")).not.toBeNull();
  });

  it("hatch the bars the tables mark ⚠ and say so in the caption: ws's client-bound 64B throughput", () => {
    const tp = throughputChart(input)!;
    expect(hatched(tp)).toEqual(["ws"]);
    expect(tp.caption).toContain("Hatched bars");
    expect(hatched(efficiencyChart(input, 0.05)!)).toEqual(["ws", "ws"]);
  });

  it("name a scenario latency axis in words, with the unit in the tick labels only", () => {
    const spec = perScenario["echo-latency"]!;
    const y = (spec.option as { yAxis: { name: string; axisLabel: { formatter: (v: number) => string } } }).yAxis;
    expect(y.name).toBe("p99 latency");
    expect(y.axisLabel.formatter(2500)).toBe("2.50 ms");
    expect(spec.title).toBe("echo-latency: p99 latency");
  });

  it("name the latency chart's point: scenario, offered rate and load shape", () => {
    const spec = latencyChart(input)!;
    const focus = latencyFocus(input)!;
    const rate = input.points.find((p) => p.scenario === focus.scenario && p.pointKey === focus.pointKey)!.params.rate as number;
    const where = `echo-latency at ${fmtCount(rate)} msg/s offered (load shape: pipelined)`;
    expect(spec.title).toBe(`Latency percentiles: ${where}`);
    expect(spec.caption).toContain(where);
  });

  it("end the CPU axis at the pinned core (100 %), clipping samples above it as sampling error", () => {
    const axis = (i: ReportInput) => (systemChart(i)!.option as { yAxis: { max: number }[] }).yAxis[0]!.max;
    expect(axis(input)).toBe(100);
    const spiky = withSamples(input, (s) => ({ ...s, cpuPct: s.cpuPct + 30 }));
    expect(axis(spiky)).toBe(100);
    expect(systemChart(spiky)!.caption).toContain("sampling error");
  });

  it("run the CPU axis past one core only for an unpinned server that used more, and say so", () => {
    const unpinned = withSamples(input, (s) => ({ cpuPct: s.cpuPct + 60, coreBusyPct: [] }));
    const spec = systemChart(unpinned)!;
    const max = (spec.option as { yAxis: { max: number }[] }).yAxis[0]!.max;
    expect(max).toBeGreaterThan(100);
    expect(max % 50).toBe(0);
    expect(spec.caption).toContain("ran above one core");
  });

  it("draw the cost of a million messages on a log axis with dollar tick labels", () => {
    const y = (efficiencyChart(input, 0.05)!.option as { yAxis: { type: string; axisLabel: { formatter: (v: number) => string } }[] }).yAxis;
    expect(y.map((a) => a.type)).toEqual(["log", "log"]);
    expect(y[1]!.axisLabel.formatter(0.0001)).toBe("$0.0001");
  });
});

describe("report.md", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("puts each chart's caption in italics on the line under its image", () => {
    const dir = writeSyntheticResultSet(mkdtempSync(join(tmpdir(), "wsarena-captions-")));
    dirs.push(dir);
    writeReport(dir);
    const lines = readFileSync(join(dir, "report.md"), "utf8").split("\n");
    const images = lines.flatMap((l, i) => (l.startsWith("![") ? [i] : []));
    expect(images.length).toBe(all.length);
    for (const i of images) {
      expect(lines[i + 1], lines[i]).toBe("");
      expect(lines[i + 2], lines[i]).toMatch(/^\*[^*].*[^\\]\*$/);
    }
  });
});
