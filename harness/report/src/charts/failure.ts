// Failure-scenario charts: slow-consumer server RSS over time (one panel per policy, one line per stack) and soak's RSS
// and latency trend (two panels), from the per-repetition `details` the scenarios store.
import { detailsOf, type SlowConsumerDetails, type SoakDetails } from "@wsarena/results";
import { fmtBytes, fmtCount, fmtUs } from "../format.ts";
import { hostileDetailsByStack } from "../hostile-table.ts";
import { isMeasured, type PointView, type ReportInput } from "../model.ts";
import { stackColor } from "./palette.ts";
import { DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Height of one panel of a failure chart, px. */
export const FAILURE_PANEL_HEIGHT_PX = 170;

/** The slow-consumer details of a repetition, or null when absent or not of that shape. */
export function slowDetails(p: PointView, rep = 0): SlowConsumerDetails | null {
  return detailsOf("slow-consumer", p.reps[rep]);
}

/** The soak details of a repetition, or null when absent or not of that shape. */
export function soakDetails(p: PointView, rep = 0): SoakDetails | null {
  return detailsOf("soak", p.reps[rep]);
}

/** Panels stacked vertically with a shared legend: grid, axes and the height they need. */
function panels(titles: string[], yFormat: Array<(v: number) => string>, xName: string) {
  const top0 = 68;
  const gap = 62;
  const grid = titles.map((_, i) => ({ left: 86, right: 32, top: top0 + i * (FAILURE_PANEL_HEIGHT_PX + gap), height: FAILURE_PANEL_HEIGHT_PX }));
  const xAxis = titles.map((_, i) => ({
    gridIndex: i,
    type: "value",
    ...(i === titles.length - 1 ? { name: xName, nameLocation: "middle", nameGap: 28 } : {}),
    axisLabel: { formatter: (v: number) => `${fmtCount(v)} s` },
  }));
  const yAxis = titles.map((t, i) => ({
    gridIndex: i,
    type: "value",
    scale: true,
    name: t,
    nameLocation: "end",
    nameTextStyle: { align: "left" },
    axisLabel: { formatter: yFormat[i] },
  }));
  return { grid, xAxis, yAxis, height: top0 + titles.length * (FAILURE_PANEL_HEIGHT_PX + gap) + 8 };
}

/**
 * Server RSS over time in slow-consumer: one panel per point (baseline, then each policy), a line per stack (first
 * repetition), from before the slow consumers connected until after the fast subscribers' window. Null without data.
 */
export function slowConsumerChart(input: ReportInput): ChartSpec | null {
  const pts = input.points.filter((p) => p.scenario === "slow-consumer" && isMeasured(p) && slowDetails(p));
  if (!pts.length) return null;
  const keys = [...new Set(pts.map((p) => p.pointKey))];
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const titles = keys.map((k) => {
    const d = slowDetails(pts.find((p) => p.pointKey === k)!)!;
    return d.policy === "none" ? "baseline: no slow consumer (RSS)" : `${d.slowConsumers} slow, policy ${d.policy} (RSS)`;
  });
  const layout = panels(
    titles,
    titles.map(() => fmtBytes),
    "time since the slow consumers connected (s)",
  );
  const series = pts.map((p) => ({
    name: p.stack,
    type: "line",
    showSymbol: false,
    xAxisIndex: keys.indexOf(p.pointKey),
    yAxisIndex: keys.indexOf(p.pointKey),
    itemStyle: { color: stackColor(p.stack, stacks) },
    lineStyle: { width: 1.6 },
    data: slowDetails(p)!.rss.map(([t, b]) => [t / 1000, b]),
  }));
  return {
    name: "slow-consumer-rss",
    title: "Slow consumer: server RSS over time, per backpressure policy",
    caption:
      "Server resident memory every 250 ms while one slow consumer stops reading a 20k ticks/s, 1 KiB stream and 10 fast subscribers keep theirs (first repetition). Under drop and close a bounded server levels off; under buffer it keeps what the slow consumer does not read. The table below gives the slope over the fast subscribers' window with its 95 % interval.",
    width: DEFAULT_CHART_WIDTH,
    height: layout.height,
    option: { legend: { top: 4, data: stacks }, grid: layout.grid, xAxis: layout.xAxis, yAxis: layout.yAxis, series },
  };
}

/** Soak: server RSS (top) and the trend probe's per-second p99 (bottom) per stack, first repetition. Null without data. */
export function soakChart(input: ReportInput): ChartSpec | null {
  const pts = input.points.filter((p) => p.scenario === "soak" && isMeasured(p) && soakDetails(p));
  if (!pts.length) return null;
  const stacks = [...new Set(pts.map((p) => p.stack))].sort();
  const layout = panels(["server RSS", "trend probe p99 per second"], [fmtBytes, fmtUs], "time since the soak started (s)");
  const series = pts.flatMap((p) => {
    const d = soakDetails(p)!;
    const base = { name: p.stack, type: "line", showSymbol: false, itemStyle: { color: stackColor(p.stack, stacks) }, lineStyle: { width: 1.4 } };
    return [
      { ...base, xAxisIndex: 0, yAxisIndex: 0, data: d.rss.map(([t, b]) => [t / 1000, b]) },
      { ...base, xAxisIndex: 1, yAxisIndex: 1, data: d.latency.map(([t, , p99]) => [t / 1000, p99]) },
    ];
  });
  return {
    name: "soak-trend",
    title: "Soak: server RSS and latency over time",
    caption:
      "Server resident memory and the per-second p99 of a 200 ticks/s trend probe (runner process, unpinned: read its trend, not its level) over the whole soak, warm-up included (first repetition). The table gives the RSS slope after warm-up with its 95 % interval; suspected-leak marks a slope whose interval lies above zero.",
    width: DEFAULT_CHART_WIDTH,
    height: layout.height,
    option: { legend: { top: 4, data: stacks }, grid: layout.grid, xAxis: layout.xAxis, yAxis: layout.yAxis, series },
  };
}

/** A hostile segment gets its count written inside from this share of the pass on. */
const HOSTILE_LABEL_MIN_SHARE = 0.04;

/** Colours of the hostile verdicts: the contract's, a documented deviation, neither. */
export const HOSTILE_VERDICT_COLORS = { contract: "#2e7d32", deviation: "#f9a825", unexpected: "#c62828" } as const;

/**
 * Hostile: per stack, how the inputs of the pass were answered (stacked: the contract's outcome, a documented deviation,
 * unexpected), with deaths and bystander failures in the stack's label. Null without hostile details.
 */
export function hostileChart(input: ReportInput): ChartSpec | null {
  const rows = hostileDetailsByStack(input);
  if (!rows.length) return null;
  const labels = rows.map(
    ({ stack, d }) =>
      `${stack}: ${d.deaths} death${d.deaths === 1 ? "" : "s"}, ${d.bystanderFailures.length} bystander failure${d.bystanderFailures.length === 1 ? "" : "s"}`,
  );
  const minLabelled = HOSTILE_LABEL_MIN_SHARE * Math.max(...rows.map(({ d }) => d.inputsSent));
  const names = { contract: "contract's outcome", deviation: "documented deviation", unexpected: "unexpected" } as const;
  const series = (["contract", "deviation", "unexpected"] as const).map((v) => ({
    name: names[v],
    type: "bar",
    stack: "verdict",
    barWidth: 22,
    itemStyle: { color: HOSTILE_VERDICT_COLORS[v] },
    // Counts inside the segments wide enough to hold them (the tables below give every count).
    label: { show: true, position: "inside", formatter: (x: { value: number }) => (x.value >= minLabelled ? String(x.value) : "") },
    data: rows.map(({ d }) => d.verdicts[v] ?? 0),
  }));
  const height = 90 + rows.length * 44;
  return {
    name: "hostile-verdicts",
    title: "Hostile: how each stack answered the fuzz pass",
    caption:
      "Inputs of the seeded pass per stack (last repetition), by how the outcome was classified: the contract's, a deviation the stack documents in stack.json under the rule's check id, or neither. The label gives the server deaths and the bystander echo failures after an input; the tables below give every input class's outcomes.",
    width: DEFAULT_CHART_WIDTH,
    height,
    option: {
      legend: { top: 4, data: Object.values(names) },
      grid: { left: 330, right: 32, top: 40, bottom: 40 },
      xAxis: { type: "value", name: "inputs", nameLocation: "middle", nameGap: 26, axisLabel: { formatter: (v: number) => fmtCount(v) } },
      yAxis: { type: "category", inverse: true, data: labels },
      series,
    },
  };
}

/** Charts that replace the headline bars of a failure scenario's section. */
export const FAILURE_SCENARIO_CHARTS: Readonly<Record<string, (input: ReportInput) => ChartSpec | null>> = {
  "slow-consumer": slowConsumerChart,
  soak: soakChart,
  hostile: hostileChart,
};
