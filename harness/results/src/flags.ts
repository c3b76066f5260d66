// Validity flags: pure functions from what was measured to the flags a figure carries (thresholds and rules in flag-table.ts).
import {
  percentileNameSchema,
  type FigureSummary,
  type FloorRecord,
  type IntegrityRecord,
  type LatencySummaryRecord,
  type PercentileName,
  type ValidityFlag,
} from "./schema.ts";
import { summarizeSample } from "@wsarena/stats";
import { AT_FLOOR_FACTOR, CLIENT_BUSY_THRESHOLD, CLIENT_LOADED_LAG_SHARE, FLAG_NAMES, HIGH_VARIANCE_CV, SERVER_BUSY_THRESHOLD_PCT } from "./flag-table.ts";

/** What a point measures: throughput points should saturate a side; latency and connection points run at a fixed load. */
export type PointKind = "throughput" | "latency" | "connections";

/** What computeFlags needs from one measured window. */
export interface FlagInput {
  kind: PointKind;
  /** Server busy in % of its pinned cores (from /proc/stat; process CPU share when unpinned), or null when it could not be sampled. */
  serverBusyPct: number | null;
  /** Client utilisation 0..1 (1 = every client core fully busy): the larger of its own CPU share and its pinned cores' busy share. */
  clientUtilisation: number;
  integrity: IntegrityRecord;
  /** Errors reported by the load generator or the harness. */
  errors: readonly string[];
  /** Postcondition failures of this window. */
  postconditionFailures: readonly string[];
  /** The load generator's scheduler lag at the headline percentile over the window, µs, or null (closed-loop and stream modes). */
  schedulerLagUs?: number | null;
  /** Measured latency at the headline percentile over the window, µs, or null when the point has no latency. */
  latencyUs?: number | null;
  /** True when the point's headline percentile is among the window's at-floor percentiles (see atFloorPercentiles). */
  headlineAtFloor?: boolean;
}

/** Total of lost, duplicated, reordered and corrupted messages. */
export function integrityViolations(i: IntegrityRecord): number {
  return i.lost + i.duplicated + i.reordered + i.corrupted;
}

/** Flags of one measured window (high-variance needs several windows: see varianceFlags). */
export function computeFlags(m: FlagInput): ValidityFlag[] {
  const flags: ValidityFlag[] = [];
  const clientBusy = m.clientUtilisation >= CLIENT_BUSY_THRESHOLD;
  const serverBusy = m.serverBusyPct !== null && m.serverBusyPct >= SERVER_BUSY_THRESHOLD_PCT;
  // A connections point is measured over an idle hold: neither side is meant to be busy, so client-bound does not apply.
  if (m.kind !== "connections" && clientBusy && !serverBusy && m.serverBusyPct !== null) flags.push("client-bound");
  if (m.kind === "latency" && isClientLoaded(m)) flags.push("client-loaded");
  if (m.kind === "latency" && m.headlineAtFloor === true) flags.push("at-floor");
  if (m.kind === "throughput" && !clientBusy && !serverBusy) flags.push("not-saturated");
  if (integrityViolations(m.integrity) > 0) flags.push("integrity");
  if (m.errors.length > 0 || m.postconditionFailures.length > 0) flags.push("errors");
  return flags;
}

/**
 * Latency window rule, on direct evidence only: the client's scheduler lag at a percentile > CLIENT_LOADED_LAG_SHARE ×
 * the measured latency at the same percentile. No lag recorded (stream modes) is no evidence: the window is not flagged.
 */
export function isClientLoaded(m: Pick<FlagInput, "schedulerLagUs" | "latencyUs">): boolean {
  const lag = m.schedulerLagUs ?? null;
  const latency = m.latencyUs ?? null;
  return lag !== null && latency !== null && lag > CLIENT_LOADED_LAG_SHARE * latency;
}

/** Latency percentile names, lowest first. */
export const PERCENTILE_NAMES: readonly PercentileName[] = percentileNameSchema.options;

/** Whether a metric name (e.g. a point's headline "p99Us") is a latency percentile. */
export function isPercentileName(name: string): name is PercentileName {
  return (PERCENTILE_NAMES as readonly string[]).includes(name);
}

/**
 * Latency percentiles within AT_FLOOR_FACTOR× of the floor's same percentile. The floor of a percentile is the worst
 * (largest) over the pinned cores' hiccup probes: whatever delays either side delays the round trip. Floors that
 * recorded nothing are ignored; no latency or no floor gives an empty list.
 */
export function atFloorPercentiles(latency: LatencySummaryRecord | null, floors: readonly FloorRecord[]): PercentileName[] {
  const measured = floors.filter((f) => f.lateness.summary.count > 0);
  if (!latency || latency.count === 0 || measured.length === 0) return [];
  return PERCENTILE_NAMES.filter((p) => {
    const floor = Math.max(...measured.map((f) => f.lateness.summary[p]));
    return latency[p] <= AT_FLOOR_FACTOR * floor;
  });
}

/** Headline statistics of `values` (non-empty) across repetitions: location, spread, 95 % interval, MAD, outliers. */
export function describe(values: readonly number[]): Omit<FigureSummary, "metric" | "unit" | "better"> {
  return summarizeSample(values);
}

/** ["high-variance"] when the coefficient of variation of `values` across repetitions exceeds HIGH_VARIANCE_CV. */
export function varianceFlags(values: readonly number[]): ValidityFlag[] {
  if (values.length < 2) return [];
  return describe(values).cv > HIGH_VARIANCE_CV ? ["high-variance"] : [];
}

/** Union of flag lists in the flag table's order. */
export function unionFlags(...lists: ReadonlyArray<readonly ValidityFlag[]>): ValidityFlag[] {
  const set = new Set(lists.flat());
  return FLAG_NAMES.filter((f) => set.has(f));
}
