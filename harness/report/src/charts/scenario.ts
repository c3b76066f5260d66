// Per-scenario chart: the scenario's headline figure per point and stack, with min–max bars across repetitions; points
// an overview chart already draws with the same figure are left to it.
import { isPercentileName, percentileLabel } from "@wsarena/results";
import { fmtCount, fmtUs } from "../format.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "../model.ts";
import { barChartOption, hatchedCaption } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";
import { pointBar } from "./unranked.ts";

/** File-name-safe form of a scenario id. */
export function scenarioChartName(scenario: string): string {
  return `scenario-${scenario.replace(/[^a-zA-Z0-9._-]+/g, "_")}`;
}

/** Key of a bar some chart draws: the stack's point and the figure drawn for it. */
export function drawnKey(p: PointView, metric: string): string {
  return `${p.stack}|${p.scenario}|${p.pointKey}|${metric}`;
}

/** Plain-word axis names of headline figures that are no latency percentile (their unit is in the tick labels). */
const AXIS_NAMES: Readonly<Record<string, string>> = {
  msgsPerSec: "throughput",
  connectPerSec: "connections opened per second",
  requestsPerSec: "requests per second",
  serverCpuUsPerMsg: "server CPU per message",
  accountedPct: "inputs accounted for",
  drainMs: "drain time",
  recoveryP99Ms: "p99 recovery time",
  connectP99Us: "p99 connect time",
};

/** The axis name of a headline figure in plain words: "p99 latency", "throughput"; the unit goes in the tick labels. */
export function metricAxisName(metric: string): string {
  if (isPercentileName(metric)) return `${percentileLabel(metric)} latency`;
  return AXIS_NAMES[metric] ?? metric.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/** Tick labels of a headline figure with its unit: times as µs/ms/s, anything else as a count followed by the unit. */
export function metricTickFormat(metric: string, unit: string): (v: number) => string {
  if (isLatencyMetric(metric)) return fmtUs;
  if (/Ms$/.test(metric)) return (v) => (v === 0 ? "0" : fmtUs(v * 1000));
  return (v) => `${fmtCount(v)} ${unit}`;
}

/**
 * Headline bars of one scenario: its first headline figure with a point no overview chart draws (`drawn`, see
 * drawnKey), or null when nothing in it was measured or every figure is already drawn.
 */
export function scenarioChart(input: ReportInput, scenario: string, drawn: ReadonlySet<string> = new Set()): ChartSpec | null {
  const pts = input.points.filter((p) => p.scenario === scenario && isMeasured(p) && p.headline);
  const metrics = [...new Set(pts.map((p) => p.headline!.metric))];
  const metric = metrics.find((m) => pts.some((p) => p.headline!.metric === m && !drawn.has(drawnKey(p, m))));
  if (metric === undefined) return null;
  const same = pts.filter((p) => p.headline!.metric === metric);
  const headline = same[0]!.headline!;
  const categories = [...new Set(same.map(pointLabel))];
  const stacks = [...new Set(same.map((p) => p.stack))].sort();
  const series = stacks.map((stack) => ({
    stack,
    values: categories.map((c) => {
      const p = same.find((q) => q.stack === stack && pointLabel(q) === c);
      return p ? pointBar(p, metricValues(p, metric)) : null;
    }),
  }));
  const name = metricAxisName(metric);
  const elsewhere = metrics.length > 1 && metric !== metrics[0] ? ` Its ${metricAxisName(metrics[0]!)} points are in the overview charts.` : "";
  return {
    name: scenarioChartName(scenario),
    title: `${scenario}: ${name}`,
    caption: `${scenario}: ${name} (${headline.better} is better) per point and stack, geometric mean over repetitions, whiskers min–max; log scale.${hatchedCaption(series)}${elsewhere}`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ categories, series, yName: name, logY: true, format: metricTickFormat(metric, headline.unit) }),
  };
}

/** What a scenario section says where it has no chart: its figures are in the throughput chart, or nothing was measured. */
export function noScenarioChartText(input: ReportInput, scenario: string): string {
  return input.points.some((p) => p.scenario === scenario && isMeasured(p))
    ? "This scenario's figures are drawn in the Throughput chart above."
    : "Nothing was measured in this scenario.";
}
