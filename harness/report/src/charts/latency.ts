// latency chart: full percentile curves per stack from the merged HDR histograms, x = 1/(1−p) on a log scale.
import { loadShapeOf } from "@wsarena/results";
import { fmtCount, fmtUs } from "../format.ts";
import { percentileCurve } from "../hdr.ts";
import type { PointView, ReportInput } from "../model.ts";
import { repFloorHistogram } from "../floor.ts";
import { histogramPoints, latencyFocus, offeredRate } from "../select.ts";
import { warnings } from "../tables.ts";
import { stackColor } from "./palette.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Legend names and colour of the floor series drawn next to the stacks. */
export const FLOOR_SERIES = "floor";
export const LAG_SERIES = "sched. lag";
export const FLOOR_COLOR = "#8a8f98";

/** Percentile ticks on the x axis: position log10(1/(1−p)) and label. */
export const PERCENTILE_TICKS: readonly { nines: number; label: string }[] = [
  { nines: Math.log10(2), label: "50%" },
  { nines: 1, label: "90%" },
  { nines: 2, label: "99%" },
  { nines: 3, label: "99.9%" },
  { nines: 4, label: "99.99%" },
  { nines: 5, label: "99.999%" },
];

/**
 * The point a latency chart shows, in words: "echo-latency at 50.0k msg/s offered (load shape: pipelined)", or the
 * point's key for a point without an offered rate; the load shape only where an open-loop sender wrote the point.
 */
export function focusText(scenario: string, pts: readonly PointView[]): string {
  const p = pts[0];
  if (!p) return scenario;
  const rate = offeredRate(p);
  const shape = loadShapeOf(scenario, { loadShape: p.loadShape ?? undefined });
  const at = rate !== null ? `${fmtCount(rate)} msg/s offered` : p.pointKey || "its only point";
  return `${scenario} at ${at}${shape ? ` (load shape: ${shape})` : ""}`;
}

/** Percentile curves of every stack at the focus point, or null when no histograms were recorded. */
export function latencyChart(input: ReportInput): ChartSpec | null {
  const focus = latencyFocus(input);
  if (!focus) return null;
  const pts = histogramPoints(input, focus.scenario).filter((p) => p.pointKey === focus.pointKey);
  const stacks = pts.map((p) => p.stack);
  let maxNines = 2;
  const series: Record<string, unknown>[] = pts.map((p) => {
    const curve = percentileCurve(p.reps.flatMap((r) => (r.histogram ? [r.histogram] : [])));
    for (const c of curve) maxNines = Math.max(maxNines, c.nines);
    return {
      name: p.stack as string,
      type: "line",
      showSymbol: false,
      lineStyle: { width: 2 },
      itemStyle: { color: stackColor(p.stack, stacks) },
      data: curve.map((c) => [c.nines, Math.max(1, c.latencyUs)]),
    };
  });
  // The floor at the same point: the worst pinned core's hiccup histogram of every window, and the sender's scheduler lag.
  const reference: { name: string; histograms: string[]; type: "dashed" | "dotted" }[] = [
    { name: FLOOR_SERIES, histograms: pts.flatMap((p) => p.reps.flatMap((r) => repFloorHistogram(r) ?? [])), type: "dashed" },
    { name: LAG_SERIES, histograms: pts.flatMap((p) => p.reps.flatMap((r) => r.schedulerLag?.histogram ?? [])), type: "dotted" },
  ];
  const drawn = reference.filter((ref) => ref.histograms.length);
  for (const ref of drawn) {
    const curve = percentileCurve(ref.histograms);
    for (const c of curve) maxNines = Math.max(maxNines, c.nines);
    series.push({
      name: ref.name,
      type: "line",
      showSymbol: false,
      lineStyle: { width: 2, type: ref.type, color: FLOOR_COLOR },
      itemStyle: { color: FLOOR_COLOR },
      data: curve.map((c) => [c.nines, Math.max(1, c.latencyUs)]),
    });
  }
  const floorText = drawn.length
    ? ` Grey: the floor measured in the same windows (dashed: the worst pinned core's wake-up lateness; dotted: the load generator's scheduler lag), all stacks' windows merged; where a stack's curve meets it, the figure describes the machine, not the stack.`
    : " The floor was not measured in this run.";
  const ticks = PERCENTILE_TICKS.filter((t) => t.nines <= Math.ceil(maxNines));
  const xMax = Math.ceil(maxNines);
  const where = focusText(focus.scenario, pts);
  const flagged = pts.filter((p) => warnings(p).length).map((p) => p.stack);
  const flaggedText = flagged.length ? ` Not ranked at this point (⚠ in the tables): ${flagged.join(", ")}.` : "";
  return {
    name: "latency",
    title: `Latency percentiles: ${where}`,
    caption: `Latency by percentile in ${where}, all repetitions' HDR histograms merged per stack; lower is better. The x axis is 1/(1−p) on a log scale, as HDR plots draw it, so the tail gets room.${floorText}${flaggedText}`,
    width: DEFAULT_CHART_WIDTH,
    height: DEFAULT_CHART_HEIGHT,
    option: {
      legend: { top: 4, data: [...stacks, ...drawn.map((r) => r.name)] },
      grid: { left: 80, right: 32, top: 44, bottom: 56 },
      xAxis: {
        type: "value",
        min: 0,
        max: xMax,
        name: "percentile",
        nameLocation: "middle",
        nameGap: 30,
        axisLabel: { customValues: ticks.map((t) => t.nines), formatter: (v: number) => ticks.find((t) => Math.abs(t.nines - v) < 1e-9)?.label ?? "" },
        axisTick: { customValues: ticks.map((t) => t.nines) },
        splitLine: { show: true },
      },
      yAxis: { type: "log", name: "latency", nameLocation: "middle", nameGap: 62, axisLabel: { formatter: fmtUs } },
      series,
    },
  };
}
