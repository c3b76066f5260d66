// The capacity sets of a report of several sets: per set, capacity.ts's verdict table and charts (chart names made
// unique within the report), for the Capacity section of report.md and report.html.
import type { CapacityRecord } from "@wsarena/results";
import { c, type Table } from "./cells.ts";
import { AT_LEAST_NOTE, capacityCharts, capacityCommand, verdictHeader, verdictRows } from "./capacity.ts";
import type { ChartSpec } from "./charts/render.ts";
import type { ReportInput } from "./model.ts";
import { capacitySourceOf } from "./sources.ts";

/** One capacity set as its section of the report shows it. */
export interface CapacitySection {
  /** Heading: "<profile> users (<runId>)". */
  title: string;
  /** The capacity file relative to the report's folder (what the section links to). */
  file: string;
  /** How the capacity run was asked for (capacityCommand). */
  command: string;
  /** The criteria as given, joined. */
  criteria: string;
  /** Verdict per stack for --users and the largest passing level. */
  verdicts: Table;
  /** p99, CPU and RSS against users, named capacity-<figure>-<profile>[-<n>] so that two sets' charts do not collide. */
  charts: ChartSpec[];
}

/** The suffix of a set's chart names: its profile, numbered when two sets share one. */
function chartSuffixes(recs: readonly CapacityRecord[]): string[] {
  const slug = (r: CapacityRecord): string => r.config.profile.replace(/[^a-zA-Z0-9_-]+/g, "_");
  return recs.map((r, i) => {
    const same = recs.filter((q) => slug(q) === slug(r));
    return same.length > 1 ? `${slug(r)}-${recs.slice(0, i + 1).filter((q) => slug(q) === slug(r)).length}` : slug(r);
  });
}

/** The sections of the input's capacity sets (none when the input has none). */
export function capacitySections(input: ReportInput): CapacitySection[] {
  const recs = input.capacity ?? [];
  const suffixes = chartSuffixes(recs);
  return recs.map((rec, i) => ({
    title: `${rec.config.profile} users (${rec.runId})`,
    file: capacitySourceOf(input, rec)?.file ?? "capacity.json",
    command: capacityCommand(rec),
    criteria: rec.config.criteria.join(", "),
    verdicts: { headers: verdictHeader(rec), rows: verdictRows(rec).map((row) => row.map((t) => c(t))), notes: [AT_LEAST_NOTE] },
    charts: capacityCharts(rec).map((spec) => ({ ...spec, name: `${spec.name}-${suffixes[i]}` })),
  }));
}
