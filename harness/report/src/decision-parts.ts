// The pieces of the decision table: a figure per stack, a part (one figure of a question, with its verdict), a column
// (one question), and how a part is built from a scenario point group and its verdict (rank.ts's rule).
import { undecidedReason } from "./cannot-tell.ts";
import { fmtCount } from "./format.ts";
import type { PointView } from "./model.ts";
import { fmtAdvantage, type Verdict } from "./rank.ts";
import { meanOf } from "./select.ts";
import { warnings } from "./tables.ts";

/** One figure in a cell: its text, whether it is the part's decided winner (bold), and why it is not ranked (⚠). */
export interface Figure {
  text: string;
  best: boolean;
  warn: string[];
  /** The measurement file the figure was read from, relative to the report's folder (PointView.sourceFile). */
  href?: string;
}

/** One part of a question (a column can answer it with several figures, e.g. echo and JSON peak). */
export interface Part {
  /** Short label in the header, e.g. "echo". */
  label: string;
  /** Where the figure comes from, for the Decided line and the box, e.g. "echo-throughput 64B-binary". */
  where: string;
  /** Each stack's figure, or absent when the stack has none. */
  figures: Record<string, Figure>;
  /** "bun (×2.15, 95 % CI 1.76–2.62 over uws)" when the data decides, else null. */
  decided: string | null;
  /** Why the part is undecided (a line of the cannot-tell box), or null when decided or not ranked at all. */
  open: string | null;
}

/** One question of the table. */
export interface DecisionColumn {
  /** The question as a header, e.g. "Peak msg/s". */
  question: string;
  parts: Part[];
  /** Lines of the cannot-tell box about parts this set has no figure for (not measured, and how to measure). */
  missing: string[];
}

/** A part answered by one scenario point group: each stack's figure and the group's verdict (the rule of rank.ts). */
export function pointPart(
  label: string,
  where: string,
  group: readonly PointView[],
  verdict: Verdict,
  metric: string,
  fmt: (v: number) => string,
  question: string,
): Part {
  const figures: Record<string, Figure> = {};
  for (const p of group) {
    const v = meanOf(p, metric);
    figures[p.stack] = {
      text: v === null ? "–" : fmt(v),
      best: verdict.winner === p.stack,
      warn: warnings(p),
      ...(p.sourceFile ? { href: p.sourceFile } : {}),
    };
  }
  return decidedPart(label, where, figures, verdict, question);
}

/** A part whose figures are given, decided by `verdict` (null: the part is a figure per stack, not a ranking). */
export function decidedPart(label: string, where: string, figures: Record<string, Figure>, verdict: Verdict | null, question: string): Part {
  if (!verdict) return { label, where, figures, decided: null, open: null };
  if (verdict.winner) return { label, where, figures, decided: winnerText(verdict), open: null };
  return { label, where, figures, decided: null, open: `${question} (${where}): ${undecidedReason(verdict)}.` };
}

/** "bun (×2.15, 95 % CI 1.76–2.62 over uws)": a verdict's winner with its advantage over the next group, or null. */
export function winnerText(v: Verdict): string | null {
  if (!v.winner) return null;
  const cut = v.cuts[0];
  if (!cut) return v.winner;
  const next = v.groups[1]!.length > 1 ? `{${v.groups[1]!.join(", ")}}` : cut.worse;
  return `${v.winner} (${fmtAdvantage(cut.estimate)} over ${next})`;
}

/** "not measured in this set — run `cmd`": the line of a question part the set has no figure for. */
export function notMeasured(what: string, why: string, command: string): string {
  return `${what}: ${why} — run \`${command}\`.`;
}

/** A msg/s figure. */
export const fmtRate = (v: number): string => fmtCount(v);
