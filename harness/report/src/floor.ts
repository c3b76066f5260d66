// The measured floor of a latency point: the platform hiccup of the worst pinned core and the client's scheduler lag,
// per repetition and averaged over a point, next to which latency percentiles are read (at-floor marks come from the runner).
import type { LatencySummaryRecord, PercentileName } from "@wsarena/results";
import { mean } from "@wsarena/stats";
import type { PointView, ReportInput } from "./model.ts";

type Rep = PointView["reps"][number];

/** Percentiles shown next to the floor, in order, with their labels. */
export const FLOOR_PERCENTILES: readonly { name: PercentileName; label: string }[] = [
  { name: "p50Us", label: "p50" },
  { name: "p90Us", label: "p90" },
  { name: "p99Us", label: "p99" },
  { name: "p999Us", label: "p99.9" },
  { name: "maxUs", label: "max" },
];

/** Percentile values of a floor or a latency, µs. */
export type Percentiles = Record<PercentileName, number>;

/** The worst pinned core's floor of one repetition, percentile by percentile (the largest across cores), or null when not measured. */
export function repFloor(rep: Rep): Percentiles | null {
  const floors = rep.floor ?? [];
  if (!floors.length) return null;
  const out = {} as Percentiles;
  for (const { name } of FLOOR_PERCENTILES) out[name] = Math.max(...floors.map((f) => f.lateness.summary[name as keyof LatencySummaryRecord] as number));
  return out;
}

/** Encoded histogram of the worst pinned core of a repetition (the one with the highest p99 lateness), or null. */
export function repFloorHistogram(rep: Rep): string | null {
  const floors = (rep.floor ?? []).filter((f) => f.lateness.histogram);
  if (!floors.length) return null;
  return floors.reduce((a, b) => (b.lateness.summary.p99Us > a.lateness.summary.p99Us ? b : a)).lateness.histogram;
}

/** Mean over a point's repetitions of each percentile of the worst core's floor, or null when no repetition measured it. */
export function pointFloor(p: PointView): Percentiles | null {
  const floors = p.reps.map(repFloor).filter((f): f is Percentiles => f !== null);
  if (!floors.length) return null;
  const out = {} as Percentiles;
  for (const { name } of FLOOR_PERCENTILES) out[name] = mean(floors.map((f) => f[name]));
  return out;
}

/** Mean over a point's repetitions of the client's scheduler-lag p99, µs, or null when not recorded. */
export function schedulerLagP99(p: PointView): number | null {
  const xs = p.reps.flatMap((r) => (r.schedulerLag ? [r.schedulerLag.summary.p99Us] : []));
  return xs.length ? mean(xs) : null;
}

/** How many of a point's repetitions the runner marked at the floor for a percentile. */
export function atFloorReps(p: PointView, name: PercentileName): number {
  return p.reps.filter((r) => (r.atFloor ?? []).includes(name)).length;
}

/** True when any repetition of the set carries a floor record. */
export function floorMeasured(input: ReportInput): boolean {
  return input.points.some((p) => p.reps.some((r) => (r.floor ?? []).length > 0));
}

/** Measured points of a scenario that have latency percentiles. */
export function latencyPoints(input: ReportInput, scenario: string): PointView[] {
  return input.points.filter((p) => p.scenario === scenario && p.status === "ok" && p.reps.some((r) => r.latency));
}

/** Sum of the quiet-gate waits of a point's repetitions, ms, and the attempts beyond the first. */
export function quietWaits(p: PointView): { waitedMs: number; retries: number; failed: number } {
  let waitedMs = 0;
  let retries = 0;
  let failed = 0;
  for (const r of p.reps) {
    if (!r.quietGate) continue;
    waitedMs += r.quietGate.waitedMs;
    retries += Math.max(0, r.quietGate.attempts - 1);
    if (!r.quietGate.ok) failed++;
  }
  return { waitedMs, retries, failed };
}

/** Largest steal % over a point's repetitions, or null when the kernel did not report it. */
export function maxStealPct(p: PointView): number | null {
  const xs = p.reps.flatMap((r) => (r.stealPct === null || r.stealPct === undefined ? [] : [r.stealPct]));
  return xs.length ? Math.max(...xs) : null;
}
