// Grouped bar chart with min–max error bars across repetitions: categories on x, one bar series per stack.
import type { EChartsCoreOption } from "echarts";
import { stackColor } from "./palette.ts";
import { CHART_FONT, measureText } from "./render.ts";
import { figureMean } from "../select.ts";

/** Bar value and its spread across repetitions. */
export interface BarStat {
  mean: number;
  min: number;
  max: number;
  /** The figure is marked ⚠ in the tables (not a server property, or a failed measurement: not ranked): drawn hatched. */
  unranked?: boolean;
}

/** Input of a grouped bar chart. */
export interface BarChartData {
  categories: string[];
  /** One series per stack; values align with categories (null = not measured). */
  series: { stack: string; values: (BarStat | null)[] }[];
  /** Axis name, with unit. */
  yName: string;
  /** Log-scaled y axis (for figures spanning decades). */
  logY: boolean;
  /** Formats axis labels. */
  format: (v: number) => string;
}

/** Legend entry of the hatched bars (figures the tables mark ⚠), shown when a chart has one. */
export const UNRANKED_LEGEND = "hatched: ⚠ not ranked";
/** Colour of the hatched legend entry's stripes (it stands for every stack). */
const UNRANKED_LEGEND_COLOR = "#555555";

/**
 * An unranked bar's style: diagonal stripes in the stack's colour over white, outlined in it, so it still reads as
 * that stack but never as a solid (ranked) bar.
 */
export function hatchedStyle(color: string): Record<string, unknown> {
  return {
    color: "#ffffff",
    borderColor: color,
    borderWidth: 1.5,
    decal: { symbol: "rect", symbolSize: 1, color, dashArrayX: [1, 0], dashArrayY: [2, 3], rotation: -Math.PI / 4 },
  };
}

const BAR_CATEGORY_GAP = 0.3;
const BAR_GAP = 0.1;
/** Widest bar in pixels (a single stack would otherwise fill the whole band). */
export const BAR_MAX_WIDTH = 90;

/** Font size of the category labels under the bars. */
export const CATEGORY_LABEL_PX = 12;
/** Rotation of the category labels when they would not fit side by side. */
export const CATEGORY_LABEL_ROTATE_DEG = 30;
/** ECharts' gap between an axis and its labels (axisLabel.margin). */
const AXIS_LABEL_MARGIN_PX = 8;
/** Air kept between the lowest label and the chart's bottom edge. */
const BOTTOM_EDGE_PX = 8;
/** Grid bottom under labels that are not rotated. */
const FLAT_LABELS_BOTTOM_PX = 56;

/** How the category labels are laid out: their rotation and the space they need below the plot. */
export function categoryLabels(categories: readonly string[], seriesCount: number): { rotate: number; heightPx: number } {
  const crowded = categories.length * Math.max(1, seriesCount) > 12 || categories.some((c) => c.length > 14);
  if (!crowded) return { rotate: 0, heightPx: FLAT_LABELS_BOTTOM_PX };
  const rad = (CATEGORY_LABEL_ROTATE_DEG * Math.PI) / 180;
  const widest = Math.max(0, ...categories.map((c) => measureText(c, `${CATEGORY_LABEL_PX}px`).width));
  // A rotated label ends at its tick, centred on it: its far corner lies sin·width + cos·height/2 below the anchor.
  const heightPx = AXIS_LABEL_MARGIN_PX + Math.sin(rad) * widest + (Math.cos(rad) * CATEGORY_LABEL_PX) / 2 + BOTTOM_EDGE_PX;
  return { rotate: CATEGORY_LABEL_ROTATE_DEG, heightPx: Math.ceil(heightPx) };
}

/** The caption's sentence on hatched bars, with a leading space, or "" when no bar of `series` is hatched. */
export function hatchedCaption(series: readonly { values: readonly (BarStat | null)[] }[]): string {
  return series.some((s) => s.values.some((v) => v?.unranked))
    ? " Hatched bars are figures the tables mark ⚠ (not a server property, or a failed measurement): shown, not ranked."
    : "";
}

/** Summarises repetition values as mean with min–max, or null when empty. */
export function barStat(values: readonly number[]): BarStat | null {
  if (values.length === 0) return null;
  return { mean: figureMean(values)!, min: Math.min(...values), max: Math.max(...values) };
}

/** ECharts option for the grouped bars with error bars, in a grid placed by `grid`. */
export function barChartOption(d: BarChartData, grid: Record<string, unknown> = {}): EChartsCoreOption {
  const stacks = d.series.map((s) => s.stack);
  const n = d.series.length;
  const labels = categoryLabels(d.categories, n);
  const positive = (v: number): number => (d.logY ? Math.max(v, 1e-9) : v);
  const series: unknown[] = [];
  d.series.forEach((s, i) => {
    const color = stackColor(s.stack, stacks);
    series.push({
      name: s.stack,
      type: "bar",
      barGap: `${BAR_GAP * 100}%`,
      barCategoryGap: `${BAR_CATEGORY_GAP * 100}%`,
      barMaxWidth: BAR_MAX_WIDTH,
      itemStyle: { color },
      data: s.values.map((v) => (v ? (v.unranked ? { value: positive(v.mean), itemStyle: hatchedStyle(color) } : positive(v.mean)) : null)),
    });
    series.push({
      name: s.stack,
      type: "custom",
      z: 10,
      data: s.values.flatMap((v, ci) => (v ? [[ci, positive(v.min), positive(v.max)]] : [])),
      renderItem: (_params: unknown, api: CustomApi) => {
        const ci = api.value(0);
        const lo = api.coord([ci, api.value(1)]);
        const hi = api.coord([ci, api.value(2)]);
        const band = api.size([1, 0])[0]! * (1 - BAR_CATEGORY_GAP);
        const w = Math.min(BAR_MAX_WIDTH, band / (n + BAR_GAP * (n - 1)));
        const used = n * w + (n - 1) * w * BAR_GAP;
        const x = lo[0]! - used / 2 + i * w * (1 + BAR_GAP) + w / 2;
        const cap = Math.max(2, w * 0.25);
        const style = { stroke: "#222", lineWidth: 1.2 };
        return {
          type: "group",
          children: [
            { type: "line", shape: { x1: x, y1: lo[1], x2: x, y2: hi[1] }, style },
            { type: "line", shape: { x1: x - cap, y1: lo[1], x2: x + cap, y2: lo[1] }, style },
            { type: "line", shape: { x1: x - cap, y1: hi[1], x2: x + cap, y2: hi[1] }, style },
          ],
        };
      },
    });
  });
  const lows = d.series.flatMap((s) => s.values.flatMap((v) => (v ? [v.min] : [])));
  const hatched = d.series.some((s) => s.values.some((v) => v?.unranked));
  const left =
    typeof grid.left === "number"
      ? grid.left
      : valueAxisLeftPx(
          d.format,
          d.series.flatMap((s) => s.values.flatMap((v) => (v ? [v.min, v.max] : []))),
        );
  if (hatched) series.push(unrankedLegendSeries());
  return {
    legend: { top: 4, data: hatched ? [...stacks, UNRANKED_LEGEND] : stacks, textStyle: { fontFamily: CHART_FONT } },
    grid: { left, right: 24, top: 44, bottom: labels.heightPx, ...grid },
    xAxis: {
      type: "category",
      data: d.categories,
      axisLabel: { rotate: labels.rotate, interval: 0, fontSize: CATEGORY_LABEL_PX, margin: AXIS_LABEL_MARGIN_PX },
    },
    yAxis: {
      type: d.logY ? "log" : "value",
      // Bars on a log axis start at 1 unless told otherwise: figures below 1 ($ per 1M msg) would hang from the top.
      ...(d.logY ? { min: logFloor(lows), startValue: logFloor(lows) } : {}),
      name: d.yName,
      nameLocation: "middle",
      nameGap: left - AXIS_NAME_FROM_EDGE_PX,
      axisLabel: { formatter: d.format },
    },
    series,
  };
}

/**
 * A series without data that only puts the hatched swatch in the legend: a custom series, so it takes no bar slot in
 * the categories (an empty bar series would).
 */
function unrankedLegendSeries(): Record<string, unknown> {
  return { name: UNRANKED_LEGEND, type: "custom", data: [], renderItem: () => null, itemStyle: hatchedStyle(UNRANKED_LEGEND_COLOR) };
}

/** Least room left of a value axis, px: its tick labels and its name. */
export const VALUE_AXIS_MIN_LEFT_PX = 80;
/** Where the value axis's name sits, measured from the chart's left edge (its centre line), px. */
const AXIS_NAME_FROM_EDGE_PX = 18;
/** Room the axis name takes beside the tick labels: its line and the air on both sides, px. */
const AXIS_NAME_ROOM_PX = 36;
/** ECharts' default size of axis tick labels, px. */
const TICK_LABEL_PX = 12;

/**
 * Room left of a value axis for its widest tick label (units included: "1.00M msg/s") and its name: tick labels are
 * estimated from the values drawn and the powers of ten around them (a log axis's ticks).
 */
export function valueAxisLeftPx(format: (v: number) => string, values: readonly number[]): number {
  const probes = values.flatMap((v) => (v > 0 ? [v, 10 ** Math.floor(Math.log10(v)), 10 ** Math.ceil(Math.log10(v))] : [v]));
  const widest = Math.max(0, ...probes.map((v) => measureText(format(v), `${TICK_LABEL_PX}px`).width));
  return Math.max(VALUE_AXIS_MIN_LEFT_PX, Math.ceil(widest + AXIS_LABEL_MARGIN_PX + AXIS_NAME_ROOM_PX));
}

/** The part of ECharts' custom-series API the error bars use. */
interface CustomApi {
  value(dim: number): number;
  coord(v: number[]): number[];
  size(v: number[]): number[];
}

/** Largest power of ten at or below the smallest positive value, so log axes do not start at 1 needlessly. */
export function logFloor(values: readonly number[]): number {
  const pos = values.filter((v) => v > 0);
  return pos.length ? 10 ** Math.floor(Math.log10(Math.min(...pos))) : 1;
}
