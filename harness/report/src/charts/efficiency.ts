// efficiency chart: messages per server CPU-second and the compute cost of a million messages at a vCPU-hour price.
import { fmtCount, fmtUsd } from "../format.ts";
import { pointLabel, type ReportInput } from "../model.ts";
import { msgsPerCpuSecond, throughputPoints } from "../select.ts";
import { barChartOption, categoryLabels, hatchedCaption, valueAxisLeftPx, type BarStat } from "./bars.ts";
import { DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";
import { pointBar } from "./unranked.ts";

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
      return p ? pointBar(p, msgsPerCpuSecond(p)) : null;
    }),
  }));
  const cost = perCpu.map((s) => ({
    stack: s.stack,
    values: s.values.map((v): BarStat | null =>
      v
        ? {
            mean: costPerMillionUsd(v.mean, vcpuHourUsd),
            min: costPerMillionUsd(v.max, vcpuHourUsd),
            max: costPerMillionUsd(v.min, vcpuHourUsd),
            unranked: v.unranked,
          }
        : null,
    ),
  }));
  const topData = { categories, series: perCpu, yName: "messages per CPU-second", logY: true, format: (v: number) => `${fmtCount(v)} msg` };
  // A log axis: the costs span decades (the cheapest stack's bars vanish on a linear one); $ ticks stay plain decimals.
  const bottomData = { categories, series: cost, yName: "cost of 1M messages", logY: true, format: fmtUsd };
  // Both panels share the categories, so they share the left edge: the wider of their value axes.
  const left = Math.max(
    ...[topData, bottomData].map((d) =>
      valueAxisLeftPx(
        d.format,
        d.series.flatMap((s) => s.values.flatMap((v) => (v ? [v.min, v.max] : []))),
      ),
    ),
  );
  const top = barChartOption(topData, { ...UPPER_PANEL, left, bottom: undefined });
  const bottom = barChartOption(bottomData, { ...LOWER_PANEL, left, bottom: undefined });
  // Merge the two single-grid options into one two-grid option.
  // Each panel's option is one grid, one axis pair and its series (barChartOption's shape); read as plain objects.
  type Panel = { legend: unknown; grid: unknown; xAxis: object; yAxis: object; series: unknown[] };
  const tAny = top as unknown as Panel;
  const bAny = bottom as unknown as Panel;
  const bottomSeries = (bAny.series as Record<string, unknown>[]).map((s) => ({ ...s, xAxisIndex: 1, yAxisIndex: 1 }));
  return {
    name: "efficiency",
    title: "Efficiency and cost",
    caption: `At every throughput point, at saturation: top, messages per second of server CPU (msg/s ÷ server CPU share of one core), higher is better; bottom, the server CPU cost of one million messages at $${vcpuHourUsd} per vCPU-hour, lower is better. Geometric mean over repetitions, whiskers min–max; both log scale.${hatchedCaption(perCpu)}`,
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
