// latency-vs-rate chart: p50 (dashed) and p99 (solid) against offered rate per stack, each stack's measured knee (the
// sustainable rate within the run's SLO) as a marker, and the floor's p99 in the same windows as a shaded band.
import { fmtCount, fmtUs } from "../format.ts";
import { isMeasured, type PointView, type ReportInput } from "../model.ts";
import { meanOf, offeredRate, rateSweepScenarios } from "../select.ts";
import { repFloor } from "../floor.ts";
import { kneeSummaries, type KneeSummary } from "../knee.ts";
import { loadShapeOf, parseCriteria } from "@wsarena/results";
import { FLOOR_COLOR, FLOOR_SERIES, LAG_SERIES } from "./latency.ts";
import { stackColor } from "./palette.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Latency against offered rate for the first rate-sweep scenario, or null when there is none. */
export function latencyVsRateChart(input: ReportInput): ChartSpec | null {
  const scenario = rateSweepScenarios(input)[0];
  if (scenario === undefined) return null;
  const pts = input.points.filter((p) => p.scenario === scenario && isMeasured(p) && offeredRate(p) !== null);
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const knees = kneeSummaries(input, scenario);
  const series: unknown[] = stackSeries(pts, stacks, knees);
  const band = floorBand(pts);
  series.push(...band);
  const rates = [...new Set(pts.map((p) => offeredRate(p)!))].sort((a, b) => a - b);
  const refs = referenceSeries(pts, rates);
  const drawn = refs.map((r) => r.name);
  series.push(...refs);
  const shapes = [...new Set(pts.map((p) => loadShapeOf(scenario, { loadShape: p.loadShape ?? undefined })))].filter((x) => x !== null);
  const where = `${scenario}${shapes.length ? ` (load shape: ${shapes.join(", ")})` : ""}`;
  return {
    name: "latency-vs-rate",
    title: `Latency against offered rate: ${where}`,
    caption: `${where}: p99 (solid) and p50 (dashed) latency, mean over repetitions, at each offered rate. Where a stack's p99 turns up sharply is its knee: past it, messages queue. ${knees.length ? `A vertical line in a stack's colour marks its measured sustainable rate @ ${knees[0]!.slo} (geometric mean over repetitions of the highest rate that met it, bisected between ladder rates), the grey horizontal line the SLO's p99. ` : "No sustainable rate was measured in this run, so no knee is marked. "}${band.length ? "The shaded band spans the lowest to highest floor p99 among the windows at each rate. " : ""}${drawn.length ? "Grey: the p99 of the floor measured in the same windows (dashed: worst pinned core's wake-up lateness; dotted: the load generator's scheduler lag); a p99 within 2× of the floor describes the machine, not the stack." : "The floor was not measured in this run."} Both axes log scale.`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: {
      legend: { top: 4, data: [...stacks, ...drawn] },
      grid: { left: 80, right: 32, top: 44, bottom: 56 },
      xAxis: {
        type: "log",
        name: "offered rate (msg/s)",
        nameLocation: "middle",
        nameGap: 30,
        axisLabel: { formatter: fmtCount },
        ...kneeAxisMin(knees, rates),
      },
      yAxis: { type: "log", name: "latency", nameLocation: "middle", nameGap: 62, axisLabel: { formatter: fmtUs } },
      series,
    },
  };
}

/** Each stack's p99 (solid, with its knee marker) and p50 (dashed) series against offered rate, in stack order. */
function stackSeries(pts: readonly PointView[], stacks: readonly string[], knees: readonly KneeSummary[]): unknown[] {
  const series: unknown[] = [];
  for (const stack of stacks) {
    const mine = pts.filter((p) => p.stack === stack).sort((a, b) => offeredRate(a)! - offeredRate(b)!);
    const color = stackColor(stack, stacks);
    for (const [metric, dashed] of [
      ["p99Us", false],
      ["p50Us", true],
    ] as const) {
      series.push({
        name: stack,
        type: "line",
        symbolSize: 6,
        itemStyle: { color },
        lineStyle: { color, width: 2, type: dashed ? "dashed" : "solid" },
        data: mine.flatMap((p) => {
          const v = meanOf(p, metric);
          return v === null ? [] : [[offeredRate(p)!, Math.max(1, v)]];
        }),
        ...(dashed
          ? {}
          : kneeMarker(
              knees.find((k) => k.stack === stack),
              color,
            )),
      });
    }
  }
  return series;
}

/** An ECharts line series of a reference (floor, scheduler lag): its legend name and options. */
type ReferenceSeries = { name: string } & Record<string, unknown>;

/** The floor's p99 and the sender's scheduler-lag p99 at each rate (mean over every stack's windows at that rate), where measured. */
function referenceSeries(pts: readonly PointView[], rates: readonly number[]): ReferenceSeries[] {
  const refs: { name: string; value: (rate: number) => number | null; type: "dashed" | "dotted" }[] = [
    {
      name: `${FLOOR_SERIES} p99`,
      value: (rate) => meanOrNull(pts.filter((p) => offeredRate(p) === rate).flatMap((p) => p.reps.flatMap((r) => repFloor(r)?.p99Us ?? []))),
      type: "dashed",
    },
    {
      name: `${LAG_SERIES} p99`,
      value: (rate) => meanOrNull(pts.filter((p) => offeredRate(p) === rate).flatMap((p) => p.reps.flatMap((r) => r.schedulerLag?.summary.p99Us ?? []))),
      type: "dotted",
    },
  ];
  const series: ReferenceSeries[] = [];
  for (const ref of refs) {
    const data = rates.flatMap((rate) => {
      const v = ref.value(rate);
      return v === null ? [] : [[rate, Math.max(1, v)]];
    });
    if (!data.length) continue;
    series.push({
      name: ref.name,
      type: "line",
      symbolSize: 4,
      itemStyle: { color: FLOOR_COLOR },
      lineStyle: { color: FLOOR_COLOR, width: 2, type: ref.type },
      data,
    });
  }
  return series;
}

/** The marker of a stack's knee on its p99 series: a vertical line at the knee, and the SLO's p99 limit as a horizontal one. */
function kneeMarker(k: KneeSummary | undefined, color: string): { markLine?: unknown } {
  if (!k || k.geoMean === null) return {};
  const p99 = parseCriteria(k.slo).find((c) => c.key === "p99");
  const data: unknown[] = [
    { xAxis: k.geoMean, lineStyle: { color, type: "solid", width: 1.5 }, label: { show: true, position: "end", formatter: k.stack, color } },
  ];
  if (p99) data.push({ yAxis: p99.limit, lineStyle: { color: FLOOR_COLOR, type: "solid", width: 1 }, label: { show: false } });
  return { markLine: { silent: true, symbol: "none", data } };
}

/** A knee below every plotted rate (bisected under the ladder's lowest) widens the axis so its marker shows. */
function kneeAxisMin(knees: readonly KneeSummary[], rates: readonly number[]): { min?: number } {
  const lowest = Math.min(...knees.flatMap((k) => (k.geoMean !== null ? [k.geoMean] : [])));
  return rates.length && lowest < rates[0]! ? { min: 10 ** Math.floor(Math.log10(lowest)) } : {};
}

/** The floor band: lowest and highest worst-core floor p99 among the windows at each rate, as a stacked, shaded pair. */
function floorBand(pts: readonly PointView[]): unknown[] {
  const rates = [...new Set(pts.map((p) => offeredRate(p)!))].sort((a, b) => a - b);
  const ranges = rates.flatMap((rate) => {
    const xs = pts.filter((p) => offeredRate(p) === rate).flatMap((p) => p.reps.flatMap((r) => repFloor(r)?.p99Us ?? []));
    return xs.length ? [{ rate, low: Math.max(1, Math.min(...xs)), high: Math.max(1, Math.max(...xs)) }] : [];
  });
  if (!ranges.length) return [];
  const common = { type: "line", stack: "floor-band", symbol: "none", silent: true, lineStyle: { opacity: 0 } };
  return [
    { ...common, name: "floor band low", data: ranges.map((r) => [r.rate, r.low]) },
    { ...common, name: "floor band", areaStyle: { color: FLOOR_COLOR, opacity: 0.18 }, data: ranges.map((r) => [r.rate, r.high - r.low]) },
  ];
}

function meanOrNull(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}
