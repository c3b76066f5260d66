// throughput chart: messages per second per stack at every throughput point, with min–max bars across repetitions.
import { fmtCount } from "../format.ts";
import { metricValues, pointLabel, type ReportInput } from "../model.ts";
import { throughputPoints } from "../select.ts";
import { barChartOption, hatchedCaption } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";
import { drawnKey } from "./scenario.ts";
import { pointBar } from "./unranked.ts";

/** The bars the throughput chart draws (see drawnKey), so a scenario chart does not draw them again. */
export function throughputDrawn(input: ReportInput): Set<string> {
  return new Set(throughputPoints(input).map((p) => drawnKey(p, "msgsPerSec")));
}

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
      return p ? pointBar(p, metricValues(p, "msgsPerSec")) : null;
    }),
  }));
  return {
    name: "throughput",
    title: "Throughput",
    caption: `Messages per second received by the clients at every point whose headline is throughput (scenario, then payload size and frame type, or receivers and rate), per stack: geometric mean over repetitions, whiskers from the slowest to the fastest repetition; higher is better, log scale.${hatchedCaption(series)}`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ categories, series, yName: "throughput", logY: true, format: (v) => `${fmtCount(v)} msg/s` }),
  };
}
