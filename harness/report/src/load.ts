// Loads a result set with the runner's validating reader and flattens it into the report's PointView list.
import { loadResultSet, measurementFileName, type MeasurementRecord, type ResultSet, type RunRecord } from "@wsarena/results";
import type { PointView, ReportInput, SourceSet } from "./model.ts";
import { decidePoints } from "./decide.ts";
import { runSource } from "./sources.ts";

/** Where toReportInput's points and sources come from; never mutated. */
export interface InputOrigin {
  /** The measurement file of `m` relative to the report's folder (default: its file name, the report being in the set). */
  fileOf: (m: MeasurementRecord) => string;
  /** The sets the input was built from (default: the set itself, folder "."). */
  sources: readonly SourceSet[] | null;
}

/** Reads and validates the result set in `dir` and returns the report input; throws a readable error otherwise. */
export function loadReportInput(dir: string): ReportInput {
  return toReportInput(loadResultSet(dir));
}

/** The scenarios measured in a set, in run order (config order, then any others sorted). */
export function scenarioOrder(run: RunRecord, measurements: readonly MeasurementRecord[]): string[] {
  const configOrder = run.config.scenarios;
  const scenarioIds = [...new Set(measurements.map((m) => m.scenario))];
  return [...configOrder.filter((s) => scenarioIds.includes(s)), ...scenarioIds.filter((s) => !configOrder.includes(s)).sort()];
}

/** Flattens a result set into points in a stable order (pure; used by tests with in-memory sets). */
export function toReportInput(set: ResultSet, origin: Partial<InputOrigin> = {}): ReportInput {
  const fileOf = origin.fileOf ?? ((m: MeasurementRecord) => measurementFileName(m.stack, m.scenario));
  const scenarios = scenarioOrder(set.run, set.measurements);
  const stacks = [...new Set(set.measurements.map((m) => m.stack))].sort();
  const points: PointView[] = [];
  for (const m of set.measurements) points.push(...pointsOf(m, fileOf(m)));
  const pointOrder = (p: PointView): number => {
    const keys = set.measurements.filter((m) => m.scenario === p.scenario).flatMap((m) => m.points.map((q) => q.key));
    const i = [...new Set(keys)].indexOf(p.pointKey);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  points.sort(
    (a, b) =>
      scenarios.indexOf(a.scenario) - scenarios.indexOf(b.scenario) || pointOrder(a) - pointOrder(b) || (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0),
  );
  const knees = set.measurements.flatMap((m) => (m.knee ? [{ stack: m.stack, scenario: m.scenario, status: m.status, knee: m.knee }] : []));
  const sources = origin.sources ?? [runSource(set.run, ".", scenarios)];
  return { dir: set.dir, run: set.run, scenarios, stacks, points: decidePoints(points), ...(knees.length ? { knees } : {}), sources };
}

function pointsOf(m: MeasurementRecord, sourceFile: string): PointView[] {
  const base = {
    stack: m.stack,
    sourceFile,
    displayName: m.displayName,
    version: m.version,
    runtime: m.runtime,
    approach: m.approach,
    scenario: m.scenario,
    scenarioParams: m.params,
    status: m.status,
    reason: m.reason ?? null,
    partial: m.partial,
  };
  if (m.points.length === 0) {
    return [
      {
        ...base,
        key: `${m.stack}|${m.scenario}|`,
        pointKey: "",
        params: {},
        loadShape: null,
        flags: m.flags,
        headline: null,
        reps: [],
        summary: null,
        stop: null,
      },
    ];
  }
  return m.points.map((p) => ({
    ...base,
    key: `${m.stack}|${m.scenario}|${p.key}`,
    pointKey: p.key,
    params: p.params,
    loadShape: p.loadShape ?? null,
    flags: p.flags,
    headline: p.summary ? { metric: p.summary.metric, unit: p.summary.unit, better: p.summary.better } : null,
    reps: p.reps,
    summary: p.summary,
    stop: p.stop,
  }));
}
