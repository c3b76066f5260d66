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
      data: s.values.map((v) => (v ? positive(v.mean) : null)),
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
  return {
    legend: { top: 4, data: stacks, textStyle: { fontFamily: CHART_FONT } },
    grid: { left: 80, right: 24, top: 44, bottom: labels.heightPx, ...grid },
    xAxis: {
      type: "category",
      data: d.categories,
      axisLabel: { rotate: labels.rotate, interval: 0, fontSize: CATEGORY_LABEL_PX, margin: AXIS_LABEL_MARGIN_PX },
    },
    yAxis: {
      type: d.logY ? "log" : "value",
      ...(d.logY ? { min: logFloor(lows) } : {}),
      name: d.yName,
      nameLocation: "middle",
      nameGap: 62,
      axisLabel: { formatter: d.format },
    },
    series,
  };
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
