// Server CPU per message at the fixed-rate points (scenario "cpu"): values per point, cost and formatting.
import { metricValues, pointLabel, type PointView } from "./model.ts";

/** Scenario whose points measure server CPU per message at fixed rates below every stack's capacity. */
export const CPU_SCENARIO = "cpu";
/** Figure name of server CPU µs per delivered message (each repetition's exact cpu.serverCpuUsPerMsg). */
export const CPU_US_PER_MSG = "serverCpuUsPerMsg";

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

/** A fixed-rate point's label with its load: "echo-20k/s, 5 conn, pipelined". */
export function cpuPointLabel(p: PointView): string {
  const parts = [pointLabel(p)];
  if (typeof p.params.connections === "number" && p.params.pattern === "echo") parts.push(`${p.params.connections} conn`);
  if (typeof p.params.shape === "string") parts.push(p.params.shape);
  return parts.join(", ");
}
