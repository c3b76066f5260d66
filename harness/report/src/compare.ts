// `wsarena compare`: matches points of two result sets (or two stacks) and tests every change for significance.
// Significance: Welch's t on log values per repetition (see ratioOfMeans in stats.ts for why not Mann–Whitney or a bootstrap).
import { fmtChange, fmtMetric } from "./format.ts";
import { isMeasured, metricValues, paramsKey, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { geoMean, ratioOfMeans, type Interval } from "@wsarena/stats";
import { loadShapeOf } from "@wsarena/results";

/**
 * A change is marked only when its whole 95% interval lies beyond ±this many percent (not merely beyond 0): pinned runs
 * on one machine drift about this much between sessions, so smaller shifts are noise even when "significant".
 */
export const DEFAULT_MIN_CHANGE_PCT = 2;
/** With --fail-on-regression, a significant regression larger than this (percent) fails the command. */
export const DEFAULT_REGRESSION_THRESHOLD_PCT = 10;
/** Figures compared for every matched point (when both sides have them), after the point's own headline figure. */
export const COMPARED_METRICS: readonly { metric: string; better: "higher" | "lower" }[] = [
  { metric: "msgsPerSec", better: "higher" },
  { metric: "p50Us", better: "lower" },
  { metric: "p99Us", better: "lower" },
  { metric: "p999Us", better: "lower" },
];

/** Options of compareResultSets; never mutated. */
export interface CompareOptions {
  /** Only this stack on side A (then points match by scenario and params, not stack). */
  stackA: string | null;
  /** Only this stack on side B. */
  stackB: string | null;
  /** Smallest change in percent that is marked as a regression or improvement. */
  minChangePct: number;
  /** Regression size in percent above which `failed` is set. */
  thresholdPct: number;
}

export const DEFAULT_COMPARE_OPTIONS: Readonly<CompareOptions> = Object.freeze({
  stackA: null,
  stackB: null,
  minChangePct: DEFAULT_MIN_CHANGE_PCT,
  thresholdPct: DEFAULT_REGRESSION_THRESHOLD_PCT,
});

/** Verdict on one figure. */
export type Verdict = "regression" | "improvement" | "unchanged" | "too-few-reps";

/** One compared figure of one matched point. */
export interface MetricChange {
  metric: string;
  better: "higher" | "lower";
  /** Geometric mean over side A's repetitions (the ratio below is of these). */
  meanA: number;
  /** Geometric mean over side B's repetitions. */
  meanB: number;
  /** Ratio of geometric means B / A. */
  ratio: number;
  /** 95% interval of the ratio. */
  interval: Interval;
  /** Two-sided p-value (Welch's t on logs). */
  pValue: number;
  nA: number;
  nB: number;
  verdict: Verdict;
}

/** A matched point. */
export interface PointComparison {
  scenario: string;
  pointKey: string;
  params: Record<string, string | number | boolean>;
  stackA: string;
  stackB: string;
  versionA: string | null;
  versionB: string | null;
  /** Validity flags on either side (a flagged figure's change may measure the client). */
  flagsA: string[];
  flagsB: string[];
  /** Scenario-wide parameters that differ between the sides, as "k: a → b". */
  paramDiffs: string[];
  changes: MetricChange[];
}

/** Result of a comparison. */
export interface Comparison {
  runA: string;
  runB: string;
  /** Conditions that make the comparison less trustworthy (machine, pinning, profile, runtimes differ). */
  warnings: string[];
  points: PointComparison[];
  /** Point labels present on only one side. */
  onlyInA: string[];
  onlyInB: string[];
  regressions: number;
  improvements: number;
  /** True when some significant regression exceeds thresholdPct. */
  failed: boolean;
  options: CompareOptions;
}

// An open-loop point pairs only with one sent in the same load shape (a set older than the field sent pipelined).
function sideKey(p: PointView, byStack: boolean): string {
  const shape = loadShapeOf(p.scenario, { loadShape: p.loadShape ?? undefined });
  return `${byStack ? `${p.stack}|` : ""}${p.scenario}|${paramsKey(p.params)}${shape ? `|shape=${shape}` : ""}`;
}

function label(p: PointView, byStack: boolean): string {
  return `${byStack ? `${p.stack} ` : ""}${p.scenario} ${pointLabel(p)}`;
}

/** Warnings about differences between the runs that affect every figure. */
export function runWarnings(a: ReportInput, b: ReportInput): string[] {
  const w: string[] = [];
  const ma = a.run.machine;
  const mb = b.run.machine;
  const diff = (what: string, x: unknown, y: unknown): void => {
    if (JSON.stringify(x) !== JSON.stringify(y)) w.push(`${what} differ: ${String(x)} vs ${String(y)}`);
  };
  diff("CPU models", ma.cpuModel, mb.cpuModel);
  diff("core counts", ma.cores, mb.cores);
  diff("memory sizes", ma.memoryBytes, mb.memoryBytes);
  diff("kernels", ma.kernel, mb.kernel);
  diff("CPU governors", ma.governor, mb.governor);
  diff("server pinnings", a.run.pinning.serverCpus ?? "not pinned", b.run.pinning.serverCpus ?? "not pinned");
  diff("client pinnings", a.run.pinning.clientCpus ?? "not pinned", b.run.pinning.clientCpus ?? "not pinned");
  diff("node versions", a.run.runtimes.node, b.run.runtimes.node);
  diff("profiles", a.run.config.profile, b.run.config.profile);
  if (a.run.git.dirty) w.push(`${a.run.runId} was run from a checkout with uncommitted changes`);
  if (b.run.git.dirty && b.run.runId !== a.run.runId) w.push(`${b.run.runId} was run from a checkout with uncommitted changes`);
  if (a.run.status !== "complete") w.push(`${a.run.runId} is ${a.run.status}`);
  if (b.run.status !== "complete" && b.run.runId !== a.run.runId) w.push(`${b.run.runId} is ${b.run.status}`);
  return w;
}

/** Compares one figure; null when either side lacks it. */
export function compareMetric(a: PointView, b: PointView, metric: string, better: "higher" | "lower", o: CompareOptions): MetricChange | null {
  const xa = metricValues(a, metric).filter((v) => v > 0);
  const xb = metricValues(b, metric).filter((v) => v > 0);
  if (!xa.length || !xb.length) return null;
  const r = ratioOfMeans(xa, xb);
  // Beyond noise = the whole 95% interval lies past ±minChangePct, not merely past 0: a significant 1% shift stays unmarked.
  const margin = o.minChangePct / 100;
  const up = r.interval.low > 1 + margin;
  const down = r.interval.high < 1 - margin;
  let verdict: Verdict;
  if (xa.length < 2 || xb.length < 2) verdict = "too-few-reps";
  else if (up || down) verdict = (better === "higher" ? down : up) ? "regression" : "improvement";
  else verdict = "unchanged";
  return { metric, better, meanA: geoMean(xa), meanB: geoMean(xb), ratio: r.ratio, interval: r.interval, pValue: r.pValue, nA: r.nA, nB: r.nB, verdict };
}

/** Size of a regression in percent (how much worse B is than A), for threshold checks. */
export function regressionPct(c: MetricChange): number {
  return c.better === "higher" ? (1 - c.ratio) * 100 : (c.ratio - 1) * 100;
}

/** Matches and compares two report inputs (they may be the same set with different stacks). */
export function compareResultSets(a: ReportInput, b: ReportInput, opts: Partial<CompareOptions> = {}): Comparison {
  const o: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...opts };
  if ((o.stackA === null) !== (o.stackB === null))
    throw new Error("--stack-a and --stack-b go together: give both to compare one stack with another, or neither to match stacks by name.");
  const byStack = o.stackA === null;
  const side = (input: ReportInput, stack: string | null): PointView[] => {
    const pts = input.points.filter((p) => isMeasured(p) && (stack === null || p.stack === stack));
    if (stack !== null && !input.stacks.includes(stack))
      throw new Error(`stack "${stack}" is not in result set ${input.run.runId}; it has: ${input.stacks.join(", ")}.`);
    return pts;
  };
  const pa = side(a, o.stackA);
  const pb = side(b, o.stackB);
  const mapB = new Map(pb.map((p) => [sideKey(p, byStack), p]));
  const keysA = new Set(pa.map((p) => sideKey(p, byStack)));
  const points: PointComparison[] = [];
  for (const x of pa) {
    const y = mapB.get(sideKey(x, byStack));
    if (!y) continue;
    const metrics = [
      ...(x.headline ? [{ metric: x.headline.metric, better: x.headline.better }] : []),
      ...COMPARED_METRICS.filter((m) => m.metric !== x.headline?.metric),
    ];
    const changes = metrics.flatMap((m) => compareMetric(x, y, m.metric, m.better, o) ?? []);
    const paramDiffs = [...new Set([...Object.keys(x.scenarioParams), ...Object.keys(y.scenarioParams)])]
      .sort()
      .filter((k) => x.scenarioParams[k] !== y.scenarioParams[k])
      .map((k) => `${k}: ${String(x.scenarioParams[k] ?? "–")} → ${String(y.scenarioParams[k] ?? "–")}`);
    points.push({
      scenario: x.scenario,
      pointKey: x.pointKey,
      params: x.params,
      stackA: x.stack,
      stackB: y.stack,
      versionA: x.version,
      versionB: y.version,
      flagsA: x.flags,
      flagsB: y.flags,
      paramDiffs,
      changes,
    });
  }
  const onlyInA = pa.filter((p) => !mapB.has(sideKey(p, byStack))).map((p) => label(p, byStack));
  const onlyInB = pb.filter((p) => !keysA.has(sideKey(p, byStack))).map((p) => label(p, byStack));
  const all = points.flatMap((p) => p.changes);
  const regressions = all.filter((c) => c.verdict === "regression").length;
  const improvements = all.filter((c) => c.verdict === "improvement").length;
  const failed = all.some((c) => c.verdict === "regression" && regressionPct(c) > o.thresholdPct);
  const warnings = a === b ? [] : runWarnings(a, b);
  if (points.some((p) => p.paramDiffs.length))
    warnings.push("some scenarios ran with different parameters on the two sides (see the rows marked 'params differ')");
  if (points.some((p) => p.flagsA.length || p.flagsB.length))
    warnings.push("some matched points carry validity flags; their changes may measure the client, not the server");
  return { runA: a.run.runId, runB: b.run.runId, warnings, points, onlyInA, onlyInB, regressions, improvements, failed, options: o };
}

/** A change for display, capped at ±999% (intervals from 2 noisy repetitions can span many orders of magnitude). */
function fmtChangeCapped(ratio: number): string {
  return ratio > 10.99 ? ">+999%" : fmtChange(ratio);
}

const VERDICT_TEXT: Record<Verdict, string> = { regression: "REGRESSION", improvement: "improvement", unchanged: "", "too-few-reps": "(too few reps)" };

/** Plain-text comparison for a terminal: warnings, one line per figure, a summary line. */
export function formatComparison(c: Comparison): string {
  const lines: string[] = [];
  const sideA = c.options.stackA ? `${c.runA} [${c.options.stackA}]` : c.runA;
  const sideB = c.options.stackB ? `${c.runB} [${c.options.stackB}]` : c.runB;
  lines.push(`A: ${sideA}`, `B: ${sideB}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  const rows: string[][] = [["scenario", "point", "stack", "metric", "A geomean", "B geomean", "change", "95% CI", "p", "verdict"]];
  for (const p of c.points) {
    const stack =
      p.stackA === p.stackB ? (p.versionA === p.versionB ? p.stackA : `${p.stackA} ${p.versionA ?? "?"}→${p.versionB ?? "?"}`) : `${p.stackA}→${p.stackB}`;
    const notes = [
      ...(p.flagsA.length || p.flagsB.length ? [`flagged ${[...new Set([...p.flagsA, ...p.flagsB])].join(",")}`] : []),
      ...(p.paramDiffs.length ? ["params differ"] : []),
    ];
    for (const m of p.changes) {
      rows.push([
        p.scenario,
        p.pointKey || "default",
        stack,
        m.metric,
        fmtMetric(m.metric, m.meanA),
        fmtMetric(m.metric, m.meanB),
        fmtChange(m.ratio),
        `${fmtChangeCapped(m.interval.low)}…${fmtChangeCapped(m.interval.high)}`,
        m.pValue < 0.001 ? "<0.001" : m.pValue.toFixed(3),
        [VERDICT_TEXT[m.verdict], ...notes].filter(Boolean).join(" "),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    lines.push(
      r
        .map((cell, i) => (i >= 4 && i <= 8 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    );
  if (c.onlyInA.length) lines.push(`only in A: ${c.onlyInA.join("; ")}`);
  if (c.onlyInB.length) lines.push(`only in B: ${c.onlyInB.join("; ")}`);
  lines.push(
    `${c.points.length} matched points: ${c.regressions} regressions, ${c.improvements} improvements beyond noise (95% interval of the change, Welch's t on logs, entirely beyond ±${c.options.minChangePct}%).` +
      (c.failed ? ` A regression exceeds the ${c.options.thresholdPct}% threshold.` : ""),
  );
  return lines.join("\n");
}
