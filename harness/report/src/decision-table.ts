// The decision table: one row per stack, one column per question a reader choosing a stack asks, each cell the stack's
// figure and each column's Decided line from the existing verdicts (rank.ts, knee.ts); what stays open goes to cannot-tell.ts.
import { cpuColumn, kneeColumn, latencyColumn, memoryColumn, peakColumn } from "./decision-core.ts";
import type { DecisionColumn } from "./decision-parts.ts";
import { deflateColumn, fanOutColumn, failureColumn, usersPerCoreColumn } from "./decision-scale.ts";
import type { ReportInput } from "./model.ts";

export type { DecisionColumn, Figure, Part } from "./decision-parts.ts";

/** The whole decision table. */
export interface DecisionTable {
  /** Row order: the stacks with a figure in any column, sorted. */
  stacks: string[];
  /** Columns with at least one figure. */
  columns: DecisionColumn[];
  /** "What this run cannot tell you": one line per undecided or unmeasured question part, with its reason from the data. */
  cannotTell: string[];
}

/** Builds the decision table of a result set (and its capacity records, when loaded with it). Pure. */
export function decisionTable(input: ReportInput): DecisionTable {
  const all = [
    peakColumn(input),
    cpuColumn(input),
    latencyColumn(input),
    kneeColumn(input),
    memoryColumn(input),
    usersPerCoreColumn(input),
    fanOutColumn(input),
    failureColumn(input),
    deflateColumn(input),
  ];
  const columns = all.filter((c) => c.parts.length > 0);
  const shown = new Set(columns.flatMap((c) => c.parts.flatMap((p) => Object.keys(p.figures))));
  const stacks = [...shown].sort();
  const cannotTell = all.flatMap((c) => [...c.parts.flatMap((p) => (p.open ? [p.open] : [])), ...c.missing]);
  return { stacks, columns, cannotTell };
}
