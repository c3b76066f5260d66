// http charts: GET /health requests/s per stack, and latency per point (health response time p99, REST-publish →
// WebSocket fan-out p99 per receiver), from the http scenario's µs HDR figures.
import { detailsOf } from "@wsarena/results";
import { fmtCount, fmtUs } from "../format.ts";
import { isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "../model.ts";
import { barChartOption, hatchedCaption, type BarStat } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";
import { pointBar } from "./unranked.ts";

/** Scenario id of the HTTP plane. */
export const HTTP_SCENARIO = "http";

const httpPoints = (input: ReportInput): PointView[] => input.points.filter((p) => p.scenario === HTTP_SCENARIO && isMeasured(p));
const isPublish = (p: PointView): boolean => p.params.target === "publish";

function bars(pts: readonly PointView[], value: (p: PointView) => number[]): { categories: string[]; series: { stack: string; values: (BarStat | null)[] }[] } {
  const categories = [...new Set(pts.map(pointLabel))];
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const series = stacks.map((stack) => ({
    stack,
    values: categories.map((c) => {
      const p = pts.find((q) => q.stack === stack && pointLabel(q) === c);
      return p ? pointBar(p, value(p)) : null;
    }),
  }));
  return { categories, series };
}

/** GET /health requests/s per stack and connection count, or null when no http health point was measured. */
export function httpRequestsChart(input: ReportInput): ChartSpec | null {
  const pts = httpPoints(input).filter((p) => !isPublish(p));
  if (pts.length === 0) return null;
  const data = bars(pts, (p) => metricValues(p, "requestsPerSec"));
  return {
    name: "http-requests",
    title: "HTTP requests/s (GET /health, autocannon)",
    caption: `2xx responses per second to GET /health from autocannon (pipelining 1) at each connection count: geometric mean over repetitions, whiskers min–max; higher is better.${hatchedCaption(data.series)}`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ ...data, yName: "requests per second", logY: false, format: (v) => `${fmtCount(v)} req/s` }),
  };
}

/** p99 per http point: response time of GET /health, fan-out latency of POST /publish per receiver; null when none. */
export function httpLatencyChart(input: ReportInput): ChartSpec | null {
  const pts = httpPoints(input);
  if (pts.length === 0) return null;
  const p99 = (p: PointView): number[] => (isPublish(p) ? metricValues(p, "p99Us") : p.reps.flatMap((r) => detailsOf("http", r)?.responseLatency?.p99Us ?? []));
  const data = bars(pts, p99);
  return {
    name: "http-latency",
    title: "HTTP latency p99: /health response, REST publish → WebSocket fan-out",
    caption: `health-*: GET /health response time p99 (hrtime from write to full response, µs HDR; autocannon's own figure is whole ms). publish-*: POST /publish/<topic> from autocannon, p99 over every receiver of (WebSocket receive time − the send time carried in the body). Mean over repetitions, whiskers min–max; lower is better.${hatchedCaption(data.series)}`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: barChartOption({ ...data, yName: "p99 latency", logY: true, format: fmtUs }),
  };
}
