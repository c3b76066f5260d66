// memory-per-connection chart: server RSS growth per open connection, per stack and connection count.
import { fmtBytes } from "../format.ts";
import { isMeasured, metricValues, pointLabel, type ReportInput } from "../model.ts";
import { barChartOption, barStat } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Bars of RSS per connection, or null when no repetition measured it. */
export function memoryPerConnectionChart(input: ReportInput): ChartSpec | null {
  const pts = input.points.filter((p) => isMeasured(p) && metricValues(p, "rssPerConnectionBytes").length > 0);
  if (pts.length === 0) return null;
  const label = (p: (typeof pts)[number]): string => `${p.scenario} ${pointLabel(p)}`;
  const categories = [...new Set(pts.map(label))];
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const series = stacks.map((stack) => ({
    stack,
    values: categories.map((c) => {
      const p = pts.find((q) => q.stack === stack && label(q) === c);
      return p ? barStat(metricValues(p, "rssPerConnectionBytes")) : null;
    }),
  }));
  return {
    name: "memory-per-connection",
    title: "Memory per connection",
    caption:
      "Server RSS growth per open connection after the ramp: (RSS with the connections open − RSS before) / connections. Mean over repetitions, whiskers min–max; lower is better.",
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ categories, series, yName: "RSS per connection", logY: false, format: fmtBytes }),
  };
}
