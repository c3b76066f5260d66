// throughput chart: messages per second per stack at every throughput point, with min–max bars across repetitions.
import { fmtCount } from "../format.ts";
import { metricValues, pointLabel, type ReportInput } from "../model.ts";
import { throughputPoints } from "../select.ts";
import { barChartOption, barStat } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Throughput bars, or null when no point has throughput as its headline. */
export function throughputChart(input: ReportInput): ChartSpec | null {
  const pts = throughputPoints(input);
  if (pts.length === 0) return null;
  const categories = [...new Set(pts.map((p) => `${p.scenario} ${pointLabel(p)}`))];
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const series = stacks.map((stack) => ({
    stack,
    values: categories.map((c) => {
      const p = pts.find((q) => q.stack === stack && `${q.scenario} ${pointLabel(q)}` === c);
      return p ? barStat(metricValues(p, "msgsPerSec")) : null;
    }),
  }));
  return {
    name: "throughput",
    title: "Throughput",
    caption:
      "Messages per second received by the clients, per stack and point (scenario, payload size). Bars are the mean over repetitions; whiskers span the slowest to the fastest repetition. Log scale.",
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ categories, series, yName: "msg/s", logY: true, format: fmtCount }),
  };
}
