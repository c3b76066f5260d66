// Server CPU per delivered message of a point across its repetitions (each repetition's exact cpu.serverCpuUsPerMsg).
import { describe, type FigureSummary, type RepetitionRecord } from "@wsarena/results";

/** Metric name of the point's CPU-per-message summary. */
export const CPU_PER_MESSAGE_METRIC = "serverCpuUsPerMsg";

/**
 * Summary (median, 95 % interval, CV, ...) of the repetitions' server CPU µs per message, or null when no repetition has
 * one (no exact counters, or no messages). Lower is better: less CPU for the same work.
 */
export function cpuPerMessageSummary(reps: readonly Pick<RepetitionRecord, "cpu">[]): FigureSummary | null {
  const values = reps.flatMap((r) => (r.cpu?.serverCpuUsPerMsg != null ? [r.cpu.serverCpuUsPerMsg] : []));
  return values.length ? { metric: CPU_PER_MESSAGE_METRIC, unit: "µs/msg", better: "lower", ...describe(values) } : null;
}
