// The report's view of a result set: one PointView per (stack, scenario, parameter point), in a stable order.
// load.ts builds it from the runner's validated files; charts, findings, renderers and compare read only this.
import type {
  CapacityRecord,
  FigureSummary,
  KneeRecord,
  LatencyDecision,
  LoadShapeId,
  MeasurementStatus,
  ParamsRecord,
  PointRecord,
  RepetitionRecord,
  RunRecord,
  ValidityFlag,
} from "@wsarena/results";

/** The headline figure of a point, as the runner defined it. */
export interface Headline {
  /** Name of the figure, e.g. "msgsPerSec", "p99Us", "connectPerSec". */
  metric: string;
  /** Unit shown in reports, e.g. "msg/s", "µs". */
  unit: string;
  /** Whether higher or lower values are better. */
  better: "higher" | "lower";
}

/** One (stack, scenario, point) with its repetitions; a measurement with no points appears once with pointKey "". */
export interface PointView {
  /** Stable key `<stack>|<scenario>|<pointKey>` used for ordering and matching. */
  key: string;
  /** Stack id. */
  stack: string;
  /** Stack display name. */
  displayName: string;
  /** Version the stack reported, or null. */
  version: string | null;
  /** Runtime of the stack. */
  runtime: string;
  /** Manifest approach. */
  approach: string;
  /** Scenario id. */
  scenario: string;
  /** The runner's label of the point, unique within the scenario ("" when nothing was measured). */
  pointKey: string;
  /** The point's own parameters (what varies across points). */
  params: ParamsRecord;
  /**
   * Load shape recorded with an open-loop point, else null: other points, and points of sets older than the field
   * (their open-loop points were sent pipelined; loadShapeOf reads them so, their labels stay as they were).
   */
  loadShape: LoadShapeId | null;
  /** Scenario-wide parameters. */
  scenarioParams: ParamsRecord;
  /** Status of the measurement the point belongs to. */
  status: MeasurementStatus;
  /** Why the status is not ok, or null. */
  reason: string | null;
  /** True when the run was interrupted before every repetition finished. */
  partial: boolean;
  /** Validity flags of the point (of the measurement when it has no points). */
  flags: ValidityFlag[];
  /** Headline figure definition, or null when no repetition finished. */
  headline: Headline | null;
  /** Repetitions in run order. */
  reps: RepetitionRecord[];
  /** The runner's statistics of the headline figure (95 % interval, MAD, outlier counts), or null. */
  summary: FigureSummary | null;
  /** Why repetitions stopped, or null when nothing was measured. */
  stop: PointRecord["stop"] | null;
  /**
   * Latency points: the percentile the point's stacks are ranked at (the highest of p99, p90, p50 at which every stack
   * stands clear of the floor) and why higher ones were passed over; the flags and the repetitions' percentile flags
   * are those at that percentile. Null for other points. Set by decidePoints (load.ts); absent before it ran.
   */
  decision?: LatencyDecision | null;
}

/** Everything a report is computed from. */
export interface ReportInput {
  /** Path of the result set folder, as given. */
  dir: string;
  /** run.json. */
  run: RunRecord;
  /** Scenario ids in run order (config order, then any others sorted). */
  scenarios: string[];
  /** Stack ids in a stable order (sorted). */
  stacks: string[];
  /** Points ordered by scenario (run order), point (config order), stack. */
  points: PointView[];
  /** Knee searches of rate ladders (measurement.knee), by stack; absent or empty for sets without them. */
  knees?: KneeView[];
  /** Capacity sets loaded with this one (one per profile); absent or empty when none. */
  capacity?: readonly CapacityRecord[];
}

/** One measurement's knee search. */
export interface KneeView {
  stack: string;
  scenario: string;
  /** Status of the measurement (a knee of an errored measurement is not ranked). */
  status: MeasurementStatus;
  knee: KneeRecord;
}

/** Canonical text of a params object: keys sorted, `k=v` joined by commas. */
export function paramsKey(params: ParamsRecord): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join(",");
}

const LATENCY_FIELDS = ["minUs", "meanUs", "p50Us", "p90Us", "p99Us", "p999Us", "maxUs"] as const;

/** Value of a named figure in one repetition (msgsPerSec, p99Us, connectPerSec, rssPerConnectionBytes…), or null. */
export function metricValue(rep: RepetitionRecord, metric: string): number | null {
  if ((LATENCY_FIELDS as readonly string[]).includes(metric)) {
    return rep.latency ? rep.latency[metric as (typeof LATENCY_FIELDS)[number]] : null;
  }
  if (metric === "connectPerSec") return rep.connect.perSec;
  if (/^connectP\d+Us$/.test(metric)) {
    const k = metric.replace(/^connectP/, "p") as "p50Us" | "p90Us" | "p99Us";
    const v = rep.connect[k];
    return typeof v === "number" ? v : null;
  }
  // Exact server CPU per message (scheduler run time), the fixed-rate cpu points' headline; absent in older sets.
  if (metric === "serverCpuUsPerMsg") return rep.cpu?.serverCpuUsPerMsg ?? null;
  const direct = (rep as unknown as Record<string, unknown>)[metric];
  if (typeof direct === "number") return direct;
  // Scenario-specific figures (Scenario.run's details), e.g. the http scenario's requestsPerSec.
  const detail = rep.details?.[metric];
  return typeof detail === "number" ? detail : null;
}

/** Values of a figure across the repetitions of a point (repetitions without it are left out). */
export function metricValues(point: PointView, metric: string): number[] {
  const out: number[] = [];
  for (const r of point.reps) {
    const v = metricValue(r, metric);
    if (v !== null && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** Whether a metric is a latency (lower is better, shown in µs/ms). */
export function isLatencyMetric(metric: string): boolean {
  return /Us$/.test(metric);
}

/** Label of a point for tables and chart axes: the runner's key, else "default", then its recorded load shape ("50k/s one-per-write"). */
export function pointLabel(p: PointView): string {
  return `${p.pointKey || "default"}${p.loadShape ? ` ${p.loadShape}` : ""}`;
}

/** True when a point has at least one repetition with a measured window and status ok. */
export function isMeasured(p: PointView): boolean {
  return p.status === "ok" && p.reps.length > 0;
}
