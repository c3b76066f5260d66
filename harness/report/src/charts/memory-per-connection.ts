// memory-per-connection chart: server RSS growth per open connection, per stack and connection count.
import { fmtBytes } from "../format.ts";
import { memoryView } from "../connections.ts";
import { isMeasured, metricValues, pointLabel, type ReportInput } from "../model.ts";
import { barChartOption, hatchedCaption } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";
import { pointBar } from "./unranked.ts";

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
      // The figure is judged as the headline judges it: the point's flags describe its connect rate, not its memory.
      return p ? pointBar(memoryView(p), metricValues(p, "rssPerConnectionBytes")) : null;
    }),
  }));
  return {
    name: "memory-per-connection",
    title: "Memory per connection",
    caption: `Server RSS growth per open connection after the ramp, per stack and connection count: (RSS with the connections open − RSS before) / connections. Geometric mean over repetitions, whiskers min–max; lower is better.${hatchedCaption(series)}`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ categories, series, yName: "RSS per connection", logY: false, format: fmtBytes }),
  };
}
