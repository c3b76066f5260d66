// system chart: server CPU % and RSS over the measured window per stack, from the runner's /proc samples.
import { fmtBytes, fmtCount } from "../format.ts";
import type { PointView, ReportInput } from "../model.ts";
import { throughputPoints } from "../select.ts";
import { stackColor } from "./palette.ts";
import { DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

/** Height of the two-panel system chart. */
export const SYSTEM_CHART_HEIGHT = 560;

/**
 * For each stack, the point it moved the most messages at (throughput points, else any point with samples), first
 * repetition: CPU on top, RSS below. Null when no repetition has server samples.
 */
export function systemChart(input: ReportInput): ChartSpec | null {
  const candidates = throughputPoints(input).filter((p) => p.reps[0]?.server?.samples.length);
  const pool = candidates.length ? candidates : input.points.filter((p) => p.reps[0]?.server?.samples.length);
  if (pool.length === 0) return null;
  const stacks = [...new Set(pool.map((p) => p.stack))].sort();
  const chosen: PointView[] = stacks.map((s) => pool.filter((p) => p.stack === s).reduce((a, b) => (b.reps[0]!.msgsPerSec > a.reps[0]!.msgsPerSec ? b : a)));
  const series: unknown[] = [];
  for (const p of chosen) {
    const color = stackColor(p.stack, stacks);
    const samples = p.reps[0]!.server!.samples;
    const base = { name: p.stack, type: "line", showSymbol: false, itemStyle: { color }, lineStyle: { width: 1.6 } };
    series.push({ ...base, xAxisIndex: 0, yAxisIndex: 0, data: samples.map((s) => [s.tMs / 1000, s.cpuPct]) });
    series.push({ ...base, xAxisIndex: 1, yAxisIndex: 1, data: samples.map((s) => [s.tMs / 1000, s.rssBytes]) });
  }
  const where = chosen.map((p) => `${p.stack}: ${p.scenario} ${p.pointKey}`).join("; ");
  const cpu = cpuAxis(chosen);
  return {
    name: "system",
    title: "Server CPU and memory over time",
    caption: `Server process CPU (% of one core, top) and resident memory (bottom) during the first repetition of each stack's busiest throughput point (${where}).${cpu.note}`,
    width: DEFAULT_CHART_WIDTH,
    height: SYSTEM_CHART_HEIGHT,
    option: {
      legend: { top: 4, data: stacks },
      grid: [
        { left: 80, right: 32, top: 44, height: 200 },
        { left: 80, right: 32, top: 310, height: 200 },
      ],
      xAxis: [
        { gridIndex: 0, type: "value", axisLabel: { formatter: (v: number) => `${fmtCount(v)} s` } },
        {
          gridIndex: 1,
          type: "value",
          name: "time in window (s)",
          nameLocation: "middle",
          nameGap: 28,
          axisLabel: { formatter: (v: number) => `${fmtCount(v)} s` },
        },
      ],
      yAxis: [
        {
          gridIndex: 0,
          type: "value",
          min: 0,
          max: cpu.maxPct,
          name: "server CPU",
          nameLocation: "middle",
          nameGap: 58,
          axisLabel: { formatter: (v: number) => `${Math.round(v)} %` },
        },
        { gridIndex: 1, type: "value", name: "RSS", nameLocation: "middle", nameGap: 62, axisLabel: { formatter: fmtBytes } },
      ],
      series,
    },
  };
}

/** Step the CPU axis is rounded up to when an unpinned process ran above one core, % of a core. */
export const CPU_AXIS_STEP_PCT = 50;

/**
 * The CPU panel's top, % of one core, and the caption's sentence on it. A server pinned to n cores cannot use more than
 * n × 100 %: the axis ends there, and a sample above it (clock ticks counted over a short interval) is clipped and said
 * so. An unpinned server's axis ends at one core unless a sample went above it (threads on several cores): then at that
 * maximum rounded up, naming who went over.
 */
export function cpuAxis(chosen: readonly PointView[]): { maxPct: number; note: string } {
  const samples = (p: PointView) => p.reps[0]!.server!.samples;
  const cores = Math.max(0, ...chosen.flatMap((p) => samples(p).map((s) => s.coreBusyPct.length)));
  const peaks = chosen.map((p) => ({ stack: p.stack, pct: Math.max(0, ...samples(p).map((s) => s.cpuPct)) }));
  const above = (limit: number): string =>
    peaks
      .filter((x) => x.pct > limit)
      .map((x) => `${x.stack} ${Math.round(x.pct)} %`)
      .join(", ");
  if (cores > 0) {
    const cap = 100 * cores;
    const clipped = above(cap);
    const where = cores === 1 ? "one full core (100 %), the one the server was pinned to" : `the ${cores} cores the server was pinned to (${cap} %)`;
    return {
      maxPct: cap,
      note: ` The CPU axis ends at ${where}${clipped ? `; higher samples (${clipped}) are sampling error, clock ticks counted over a short interval, and are clipped` : ""}.`,
    };
  }
  const over = above(100);
  if (!over) return { maxPct: 100, note: " The CPU axis ends at one full core (100 %)." };
  const top = Math.max(...peaks.map((x) => x.pct));
  return {
    maxPct: Math.ceil(top / CPU_AXIS_STEP_PCT) * CPU_AXIS_STEP_PCT,
    note: ` The server was not pinned and ran above one core (${over}): the CPU axis runs past 100 % to its highest sample.`,
  };
}
