// Picks what each chart and finding is about from the points: throughput points, open-loop rate sweeps, latency curves.
import { clientCoreBusyOf, serverCpuOf } from "@wsarena/results";
import { isMeasured, metricValues, type PointView, type ReportInput } from "./model.ts";
import { geoMean, mean } from "@wsarena/stats";

/**
 * Parameter names that carry the offered rate in received messages per second, in order of preference (the runner's
 * stream points say offeredPerSec, pubsub points deliveriesPerSec, echo-latency points rate).
 */
export const RATE_PARAM_KEYS = ["offeredPerSec", "deliveriesPerSec", "rate", "ratePerSec"] as const;
/** Parameter names that carry a payload size in bytes, in order of preference. */
export const SIZE_PARAM_KEYS = ["size", "sizeBytes", "payloadBytes", "payload"] as const;

/** Offered rate of a point from its params, or null for closed-loop points. */
export function offeredRate(p: PointView): number | null {
  for (const k of RATE_PARAM_KEYS) {
    const v = p.params[k] ?? p.scenarioParams[k];
    if (typeof v === "number" && v > 0) return v;
  }
  return null;
}

/** Payload size of a point in bytes, or null. */
export function payloadBytes(p: PointView): number | null {
  for (const k of SIZE_PARAM_KEYS) {
    const v = p.params[k] ?? p.scenarioParams[k];
    if (typeof v === "number") return v;
  }
  return null;
}

/** Measured points whose headline is message throughput (closed loop, higher is better). */
export function throughputPoints(input: ReportInput): PointView[] {
  return input.points.filter((p) => isMeasured(p) && p.headline?.metric === "msgsPerSec");
}

/** Scenarios whose points sweep an offered rate (open loop), in run order. */
export function rateSweepScenarios(input: ReportInput): string[] {
  return input.scenarios.filter((s) => {
    const rates = new Set(input.points.filter((p) => p.scenario === s && isMeasured(p)).map(offeredRate));
    rates.delete(null);
    return rates.size >= 2;
  });
}

/** Points of a scenario that recorded latency histograms. */
export function histogramPoints(input: ReportInput, scenario: string): PointView[] {
  return input.points.filter((p) => p.scenario === scenario && isMeasured(p) && p.reps.some((r) => r.histogram));
}

/** Share of the offered rate a stack must deliver to count as keeping up (headline latency point choice). */
export const KEEPS_UP_FRACTION = 0.95;

/**
 * The (scenario, point) whose latency curves the report draws: prefer a scenario whose headline is a latency, then any
 * with histograms; within it, the highest offered rate that every stack measured there keeps up with, else the point
 * measured by the most stacks, the later (heavier) point on ties.
 */
export function latencyFocus(input: ReportInput): { scenario: string; pointKey: string } | null {
  const withHist = input.scenarios.filter((s) => histogramPoints(input, s).length > 0);
  const latencyFirst = [...withHist.filter((s) => histogramPoints(input, s).some((p) => p.headline?.better === "lower")), ...withHist];
  const scenario = latencyFirst[0];
  if (scenario === undefined) return null;
  const pts = histogramPoints(input, scenario);
  const keys = [...new Set(pts.map((p) => p.pointKey))];
  // On an offered-rate ladder, the highest rate every measured stack still keeps up with (delivers ≥ 95 % of it):
  // tail latency there compares stacks, where above it mostly measures the most overloaded queue.
  const rateOf = (k: string): number => Number(pts.find((p) => p.pointKey === k)?.params.rate);
  const keepsUp = (k: string): boolean => pts.filter((p) => p.pointKey === k).every((p) => (meanOf(p, "msgsPerSec") ?? 0) >= KEEPS_UP_FRACTION * rateOf(k));
  const maxCount = Math.max(...keys.map((k) => pts.filter((p) => p.pointKey === k).length));
  const underLoad = keys.filter((k) => Number.isFinite(rateOf(k)) && pts.filter((p) => p.pointKey === k).length === maxCount && keepsUp(k));
  if (underLoad.length) return { scenario, pointKey: underLoad.reduce((a, b) => (rateOf(b) > rateOf(a) ? b : a)) };
  let best = keys[0]!;
  let bestCount = -1;
  for (const k of keys) {
    const n = pts.filter((p) => p.pointKey === k).length;
    if (n >= bestCount) {
      best = k;
      bestCount = n;
    }
  }
  return { scenario, pointKey: best };
}

/**
 * A figure of a point over its repetitions, or null when none has it: the geometric mean, the mean the ranking uses,
 * so a printed figure is the one ranked. A sample with a zero or negative value (a count such as drops) has no
 * geometric mean worth printing and gets the arithmetic one.
 */
export function meanOf(p: PointView, metric: string): number | null {
  return figureMean(metricValues(p, metric));
}

/** Geometric mean of `xs` when every value is positive, else the arithmetic mean; null for an empty list. */
export function figureMean(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  return xs.every((x) => x > 0) ? geoMean(xs) : mean(xs);
}

/** Server process CPU of one repetition in % of one core over the window (exact where recorded), or null. */
export function serverCpuPct(rep: PointView["reps"][number]): number | null {
  return serverCpuOf(rep).processPct;
}

/** Messages per server CPU-second for each repetition that has server usage. */
export function msgsPerCpuSecond(p: PointView): number[] {
  const out: number[] = [];
  for (const r of p.reps) {
    const cpu = serverCpuPct(r);
    if (cpu !== null && cpu > 0) out.push(r.msgsPerSec / (cpu / 100));
  }
  return out;
}

/**
 * Client busy share of one repetition, 0..1, as the runner's client-bound flag sees it: the larger of the client
 * processes' CPU share and the client cores' busy share (softirq work on those cores is charged to no process).
 */
export function clientBusy(rep: PointView["reps"][number]): number {
  return Math.max(rep.clientCpu.utilisation, (clientCoreBusyOf(rep) ?? 0) / 100);
}
