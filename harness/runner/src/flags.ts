// Validity flags: pure functions from what was measured to the flags a figure carries (see FLAG_* thresholds).
import type { FigureSummary, IntegrityRecord, ValidityFlag } from "./results/schema.ts";
import { summarizeSample } from "./stats.ts";

/** Client cores at least this busy (utilisation, 0..1) count as saturated. */
export const CLIENT_BUSY_THRESHOLD = 0.85;
/** Server below this busy % (of its pinned cores) is not the bottleneck. */
export const SERVER_BUSY_THRESHOLD_PCT = 90;
/** Coefficient of variation across repetitions above which a figure is flagged high-variance. */
export const HIGH_VARIANCE_CV = 0.1;

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
  if (m.kind === "throughput" && !clientBusy && !serverBusy) flags.push("not-saturated");
  if (integrityViolations(m.integrity) > 0) flags.push("integrity");
  if (m.errors.length > 0 || m.postconditionFailures.length > 0) flags.push("errors");
  return flags;
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

/** Union of flag lists in a stable order. */
export function unionFlags(...lists: ReadonlyArray<readonly ValidityFlag[]>): ValidityFlag[] {
  const order: ValidityFlag[] = ["client-bound", "client-loaded", "at-floor", "not-saturated", "integrity", "errors", "high-variance"];
  const set = new Set(lists.flat());
  return order.filter((f) => set.has(f));
}
