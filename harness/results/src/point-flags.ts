// A point's flags from its repetitions' by one stated rule per flag (flag-table.ts), and the latency percentile a point
// is decided at: the highest of p99, p90, p50 at which every stack stands clear of the floor measured in its windows.
import { FLAGS, FLAG_NAMES, type ValidityFlag } from "./flag-table.ts";
import { atFloorPercentiles, isClientLoaded, varianceFlags } from "./flags.ts";
import type { PercentileName, RepetitionRecord } from "./schema.ts";

/** Percentiles a latency point may be decided at, highest first (p99.9 and max sit in the floor's tail on a shared machine). */
export const DECISION_PERCENTILES: readonly PercentileName[] = ["p99Us", "p90Us", "p50Us"];

/** Flags that depend on the percentile a latency point is decided at; recomputed per window at that percentile. */
export const PERCENTILE_FLAGS: readonly ValidityFlag[] = ["client-loaded", "at-floor"];

/** What the latency flags of one window are computed from. */
export type LatencyWindow = Pick<RepetitionRecord, "latency" | "floor" | "schedulerLag">;

/** Whether a window's latency at `q` is within AT_FLOOR_FACTOR× of the floor measured in the same window. */
export function windowAtFloor(w: LatencyWindow, q: PercentileName): boolean {
  return atFloorPercentiles(w.latency, w.floor ?? []).includes(q);
}

/** Whether a window's client scheduler lag at `q` exceeds its share of the measured latency at `q` (see isClientLoaded). */
export function windowClientLoaded(w: LatencyWindow, q: PercentileName): boolean {
  return isClientLoaded({ schedulerLagUs: w.schedulerLag?.summary[q] ?? null, latencyUs: w.latency?.[q] ?? null });
}

/** A window's stored flags with the percentile flags recomputed at `q` (the other flags do not depend on it). */
export function windowFlagsAt(w: LatencyWindow & { flags: readonly ValidityFlag[] }, q: PercentileName): ValidityFlag[] {
  const kept = w.flags.filter((f) => !PERCENTILE_FLAGS.includes(f));
  const extra: ValidityFlag[] = [];
  if (windowClientLoaded(w, q)) extra.push("client-loaded");
  if (windowAtFloor(w, q)) extra.push("at-floor");
  return FLAG_NAMES.filter((f) => kept.includes(f) || extra.includes(f));
}

/** Whether a flag that fired in `fired` of `n` repetitions marks the point by its point rule (high-variance: never here). */
export function pointCarries(flag: ValidityFlag, fired: number, n: number): boolean {
  const rule = FLAGS[flag].point;
  if (rule === "any") return fired > 0;
  if (rule === "majority") return fired * 2 > n;
  return false;
}

/** The point's flags from its repetitions' flag lists and its headline values (high-variance), in table order. */
export function pointFlagsOf(repFlags: readonly (readonly ValidityFlag[])[], values: readonly number[]): ValidityFlag[] {
  const n = repFlags.length;
  const own = FLAG_NAMES.filter((f) => pointCarries(f, repFlags.filter((l) => l.includes(f)).length, n));
  const spread = varianceFlags(values);
  return FLAG_NAMES.filter((f) => own.includes(f) || spread.includes(f));
}

/** One stack's windows at a latency point, as the percentile decision needs them. */
export interface DecisionInput {
  stack: string;
  windows: readonly LatencyWindow[];
}

/** The percentile a latency point is decided at, and why the higher ones were not. */
export interface LatencyDecision {
  /** The percentile the point's stacks are ranked at. */
  percentile: PercentileName;
  /** The higher decision percentiles passed over, each with the stacks at the floor there (highest first). */
  passed: { percentile: PercentileName; atFloor: string[] }[];
  /** True when some stack is at the floor even at the chosen percentile (no percentile is clear for every stack). */
  fallback: boolean;
  /** Stacks at the floor at the chosen percentile (empty unless `fallback`): they are not ranked. */
  atFloor: string[];
}

/** Stacks whose windows are at the floor at `q` by the point rule (more than half of their windows). */
export function stacksAtFloor(stacks: readonly DecisionInput[], q: PercentileName): string[] {
  return stacks.filter((s) => pointCarries("at-floor", s.windows.filter((w) => windowAtFloor(w, q)).length, s.windows.length)).map((s) => s.stack);
}

/**
 * The decision percentile: the highest of DECISION_PERCENTILES at which no stack is at the floor (by the at-floor point
 * rule). When every one has a stack at the floor, the one with the fewest such stacks (the highest among equals), whose
 * at-floor stacks stay unranked there.
 */
export function decidePercentile(stacks: readonly DecisionInput[]): LatencyDecision {
  const passed: LatencyDecision["passed"] = [];
  for (const q of DECISION_PERCENTILES) {
    const atFloor = stacksAtFloor(stacks, q);
    if (!atFloor.length) return { percentile: q, passed, fallback: false, atFloor: [] };
    passed.push({ percentile: q, atFloor });
  }
  const best = passed.reduce((a, b) => (b.atFloor.length < a.atFloor.length ? b : a));
  return { percentile: best.percentile, passed: passed.slice(0, passed.indexOf(best)), fallback: true, atFloor: best.atFloor };
}

/** "p99" for "p99Us". */
export function percentileLabel(q: PercentileName): string {
  return q === "p999Us" ? "p99.9" : q.replace(/Us$/, "");
}
