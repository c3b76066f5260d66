// system chart: server CPU % and RSS over the measured window per stack, from the runner's /proc samples.
import { fmtBytes, fmtCount } from "../format.ts";
import type { PointView, ReportInput } from "../model.ts";
import { throughputPoints } from "../select.ts";
import { stackColor } from "./palette.ts";
import { DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Height of the two-panel system chart. */
export const SYSTEM_CHART_HEIGHT = 560;

/**
 * For each stack, the point it moved the most messages at (throughput points, else any point with samples), first
 * repetition: CPU on top, RSS below. Null when no repetition has server samples.
 */
export function systemChart(input: ReportInput): ChartSpec | null {
  const candidates = throughputPoints(input).filter((p) => p.reps[0]?.server?.samples.length);
  const pool = candidates.length ? candidates : input.points.filter((p) => p.reps[0]?.server?.samples.length);
  if (pool.length === 0) return null;
  const stacks = [...new Set(pool.map((p) => p.stack))].sort();
  const chosen: PointView[] = stacks.map((s) => pool.filter((p) => p.stack === s).reduce((a, b) => (b.reps[0]!.msgsPerSec > a.reps[0]!.msgsPerSec ? b : a)));
  const series: unknown[] = [];
  for (const p of chosen) {
    const color = stackColor(p.stack, stacks);
    const samples = p.reps[0]!.server!.samples;
    const base = { name: p.stack, type: "line", showSymbol: false, itemStyle: { color }, lineStyle: { width: 1.6 } };
    series.push({ ...base, xAxisIndex: 0, yAxisIndex: 0, data: samples.map((s) => [s.tMs / 1000, s.cpuPct]) });
    series.push({ ...base, xAxisIndex: 1, yAxisIndex: 1, data: samples.map((s) => [s.tMs / 1000, s.rssBytes]) });
  }
  const where = chosen.map((p) => `${p.stack}: ${p.scenario} ${p.pointKey}`).join("; ");
  return {
    name: "system",
    title: "Server CPU and memory over time",
    caption: `Server process CPU (% of one core, top) and resident memory (bottom) during the first repetition of each stack's busiest throughput point (${where}).`,
    width: DEFAULT_CHART_WIDTH,
    height: SYSTEM_CHART_HEIGHT,
    option: {
      legend: { top: 4, data: stacks },
      grid: [
        { left: 80, right: 32, top: 44, height: 200 },
        { left: 80, right: 32, top: 310, height: 200 },
      ],
      xAxis: [
        { gridIndex: 0, type: "value", axisLabel: { formatter: (v: number) => `${fmtCount(v)} s` } },
        {
          gridIndex: 1,
          type: "value",
          name: "time in window (s)",
          nameLocation: "middle",
          nameGap: 28,
          axisLabel: { formatter: (v: number) => `${fmtCount(v)} s` },
        },
      ],
      yAxis: [
        { gridIndex: 0, type: "value", min: 0, name: "CPU %", nameLocation: "middle", nameGap: 50 },
        { gridIndex: 1, type: "value", name: "RSS", nameLocation: "middle", nameGap: 62, axisLabel: { formatter: fmtBytes } },
      ],
      series,
    },
  };
}
