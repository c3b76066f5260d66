// Server CPU per message at the fixed-rate points (scenario "cpu"): values per point, the headline's point, cost and formatting.
import { isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";

/** Scenario whose points measure server CPU per message at fixed rates below every stack's capacity. */
export const CPU_SCENARIO = "cpu";
/** Figure name of server CPU µs per delivered message (each repetition's exact cpu.serverCpuUsPerMsg). */
export const CPU_US_PER_MSG = "serverCpuUsPerMsg";
/** The fixed-rate point the headline's CPU columns show: the echo point (one message in, one out, no fan-out). */
export const HEADLINE_CPU_PATTERN = "echo";

/** Server CPU µs per delivered message of each repetition that has exact CPU counters. */
export function cpuUsPerMsg(p: PointView): number[] {
  return metricValues(p, CPU_US_PER_MSG);
}

/**
 * USD of server CPU per million messages from CPU µs per message: a message costs usPerMsg µs of one vCPU, and a
 * vCPU-hour is 3.6e9 µs, so a million messages cost vcpuHourUsd × usPerMsg / 3.6e9 × 1e6.
 */
export function costPerMillionFromCpuUs(usPerMsg: number, vcpuHourUsd: number): number {
  return ((vcpuHourUsd * usPerMsg) / 3.6e9) * 1e6;
}

/**
 * Cores kept busy by 1M msg/s: usPerMsg µs × 1e6 msg/s = usPerMsg seconds of CPU per second. The same number as
 * µs/msg, stated in the unit a capacity plan uses.
 */
export function coresPerMillionMsgsPerSec(usPerMsg: number): number {
  return usPerMsg;
}

/** µs/msg and cores with three significant digits (0.512, 5.12, 51.2, 512). */
export function fmtCpuUs(v: number): string {
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return v.toFixed(digits);
}

/** The key of the cpu point the headline shows (the echo point, else the first measured), or null without any. */
export function headlineCpuPointKey(input: ReportInput): string | null {
  const pts = input.points.filter((p) => p.scenario === CPU_SCENARIO && isMeasured(p));
  const echo = pts.find((p) => p.params.pattern === HEADLINE_CPU_PATTERN);
  return (echo ?? pts[0])?.pointKey ?? null;
}

/** A fixed-rate point's label with its load: "echo-20k/s, 5 conn, pipelined". */
export function cpuPointLabel(p: PointView): string {
  const parts = [pointLabel(p)];
  if (typeof p.params.connections === "number" && p.params.pattern === "echo") parts.push(`${p.params.connections} conn`);
  if (typeof p.params.shape === "string") parts.push(p.params.shape);
  return parts.join(", ");
}

/** Why a result set has no CPU-per-message figure for the headline (shown where the figure would be). */
export const NO_CPU_POINT_REASON =
  "no fixed-rate point in this result set (it predates the cpu scenario, or the run left it out): CPU per message is measured at a fixed rate below every stack's capacity, not derived from peak throughput";
