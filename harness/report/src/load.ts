// Loads a result set with the runner's validating reader and flattens it into the report's PointView list.
import { loadResultSet, type MeasurementRecord, type ResultSet } from "@wsarena/results";
import type { PointView, ReportInput } from "./model.ts";
import { decidePoints } from "./decide.ts";

/** Reads and validates the result set in `dir` and returns the report input; throws a readable error otherwise. */
export function loadReportInput(dir: string): ReportInput {
  return toReportInput(loadResultSet(dir));
}

/** Flattens a result set into points in a stable order (pure; used by tests with in-memory sets). */
export function toReportInput(set: ResultSet): ReportInput {
  const configOrder = set.run.config.scenarios;
  const scenarioIds = [...new Set(set.measurements.map((m) => m.scenario))];
  const scenarios = [...configOrder.filter((s) => scenarioIds.includes(s)), ...scenarioIds.filter((s) => !configOrder.includes(s)).sort()];
  const stacks = [...new Set(set.measurements.map((m) => m.stack))].sort();
  const points: PointView[] = [];
  for (const m of set.measurements) points.push(...pointsOf(m));
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
  return { dir: set.dir, run: set.run, scenarios, stacks, points: decidePoints(points), ...(knees.length ? { knees } : {}) };
}

function pointsOf(m: MeasurementRecord): PointView[] {
  const base = {
    stack: m.stack,
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
