// Per-scenario chart: the scenario's headline figure per point and stack, with min–max bars across repetitions.
import { fmtCount, fmtUs } from "../format.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type ReportInput } from "../model.ts";
import { barChartOption, barStat } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** File-name-safe form of a scenario id. */
export function scenarioChartName(scenario: string): string {
  return `scenario-${scenario.replace(/[^a-zA-Z0-9._-]+/g, "_")}`;
}

/** Headline bars of one scenario, or null when nothing in it was measured. */
export function scenarioChart(input: ReportInput, scenario: string): ChartSpec | null {
  const pts = input.points.filter((p) => p.scenario === scenario && isMeasured(p) && p.headline);
  const headline = pts[0]?.headline;
  if (!headline) return null;
  const same = pts.filter((p) => p.headline!.metric === headline.metric);
  const categories = [...new Set(same.map(pointLabel))];
  const stacks = [...new Set(same.map((p) => p.stack))].sort();
  const series = stacks.map((stack) => ({
    stack,
    values: categories.map((c) => {
      const p = same.find((q) => q.stack === stack && pointLabel(q) === c);
      return p ? barStat(metricValues(p, headline.metric)) : null;
    }),
  }));
  const latency = isLatencyMetric(headline.metric);
  return {
    name: scenarioChartName(scenario),
    title: scenario,
    caption: `${headline.metric} (${headline.unit}, ${headline.better} is better) per point and stack: geometric mean over repetitions, whiskers min–max.`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({
      categories,
      series,
      // Latency ticks carry their own unit (fmtUs writes µs, ms or s), so the axis name does not repeat one.
      yName: latency ? headline.metric : `${headline.metric} (${headline.unit})`,
      logY: true,
      format: latency ? fmtUs : fmtCount,
    }),
  };
}
