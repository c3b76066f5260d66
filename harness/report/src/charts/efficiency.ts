// efficiency chart: messages per server CPU-second and the compute cost of a million messages at a vCPU-hour price.
import { fmtCount, fmtUsd } from "../format.ts";
import { pointLabel, type ReportInput } from "../model.ts";
import { msgsPerCpuSecond, throughputPoints } from "../select.ts";
import { barChartOption, barStat, categoryLabels, type BarStat } from "./bars.ts";
import { DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Least height of the two-panel efficiency chart; it grows to fit long category labels under the lower panel. */
export const EFFICIENCY_CHART_HEIGHT = 640;
/** Top edge and height of the upper (msg per CPU-s) and lower ($ per 1M msg) panels. */
const UPPER_PANEL = { top: 44, height: 200 };
const LOWER_PANEL = { top: 330, height: 200 };

/** USD of server CPU per million messages at `vcpuHourUsd`, from messages per CPU-second. */
export function costPerMillionUsd(msgsPerCpuSec: number, vcpuHourUsd: number): number {
  return (1e6 / msgsPerCpuSec / 3600) * vcpuHourUsd;
}

/** Efficiency bars (top: msgs per CPU-second, bottom: $ per million messages), or null without server CPU data. */
export function efficiencyChart(input: ReportInput, vcpuHourUsd: number): ChartSpec | null {
  const pts = throughputPoints(input).filter((p) => msgsPerCpuSecond(p).length > 0);
  if (pts.length === 0) return null;
  const label = (p: (typeof pts)[number]): string => `${p.scenario} ${pointLabel(p)}`;
  const categories = [...new Set(pts.map(label))];
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const perCpu = stacks.map((stack) => ({
    stack,
    values: categories.map((c) => {
      const p = pts.find((q) => q.stack === stack && label(q) === c);
      return p ? barStat(msgsPerCpuSecond(p)) : null;
    }),
  }));
  const cost = perCpu.map((s) => ({
    stack: s.stack,
    values: s.values.map((v): BarStat | null =>
      v ? { mean: costPerMillionUsd(v.mean, vcpuHourUsd), min: costPerMillionUsd(v.max, vcpuHourUsd), max: costPerMillionUsd(v.min, vcpuHourUsd) } : null,
    ),
  }));
  const top = barChartOption({ categories, series: perCpu, yName: "msg per CPU-s", logY: true, format: fmtCount }, { ...UPPER_PANEL, bottom: undefined });
  const bottom = barChartOption({ categories, series: cost, yName: "$ per 1M msg", logY: false, format: fmtUsd }, { ...LOWER_PANEL, bottom: undefined });
  // Merge the two single-grid options into one two-grid option.
  // Each panel's option is one grid, one axis pair and its series (barChartOption's shape); read as plain objects.
  type Panel = { legend: unknown; grid: unknown; xAxis: object; yAxis: object; series: unknown[] };
  const tAny = top as unknown as Panel;
  const bAny = bottom as unknown as Panel;
  const bottomSeries = (bAny.series as Record<string, unknown>[]).map((s) => ({ ...s, xAxisIndex: 1, yAxisIndex: 1 }));
  return {
    name: "efficiency",
    title: "Efficiency and cost",
    caption: `Top: messages per second of server CPU (msg/s ÷ server CPU share of one core). Bottom: server CPU cost of one million messages at $${vcpuHourUsd} per vCPU-hour. Mean over repetitions, whiskers min–max; top log scale, bottom linear.`,
    width: DEFAULT_CHART_WIDTH,
    height: Math.max(EFFICIENCY_CHART_HEIGHT, LOWER_PANEL.top + LOWER_PANEL.height + categoryLabels(categories, stacks.length).heightPx),
    option: {
      legend: tAny.legend,
      grid: [tAny.grid, bAny.grid],
      xAxis: [
        { ...tAny.xAxis, gridIndex: 0, axisLabel: { show: false } },
        { ...bAny.xAxis, gridIndex: 1 },
      ],
      yAxis: [
        { ...tAny.yAxis, gridIndex: 0 },
        { ...bAny.yAxis, gridIndex: 1 },
      ],
      series: [...tAny.series, ...bottomSeries],
    },
  };
}
