// The decision table as a Table of cells.ts (the Markdown and HTML renderers draw it like any other), its legend, the
// sources of its figures and the "What this run cannot tell you" lines.
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { c, type Cell, PART_SEPARATOR, type Table } from "./cells.ts";
import type { DecisionColumn, Part } from "./decision-parts.ts";
import type { DecisionTable } from "./decision-table.ts";
import { WARN_FLAGS_TEXT, WARN_MARK } from "./tables.ts";

/** Title of the box beside the table. */
export const CANNOT_TELL_TITLE = "What this run cannot tell you";

/** The legend printed under the decision table (in the report and the README block). */
export const DECISION_LEGEND =
  `Each cell is the stack's figure (geometric mean over repetitions); a cell of several figures follows its header's order. ` +
  `Bold: the winner of that figure, decided by the 95 % interval of the ratio of repetitions (rank.ts's rule: its interval against every other ranked stack excludes 1). ` +
  `Decided: the winner, its advantage over the next stack (× = times better) and the interval at its Holm level, or "open" when the data does not decide (the reason is in "${CANNOT_TELL_TITLE}"). ` +
  `${WARN_MARK}: not a server property (${WARN_FLAGS_TEXT}) or a failed measurement, not ranked. ≥: a lower bound (the ladder stopped at something other than the server). – : no figure.`;

function header(col: DecisionColumn): string {
  return col.parts.length > 1 || col.parts[0]!.label ? `${col.question} (${col.parts.map((p) => p.label).join(PART_SEPARATOR)})` : col.question;
}

function decidedText(p: Part): string {
  const what = p.decided ?? (p.open ? "open" : "per stack, not ranked");
  return `${p.label}: ${what}`;
}

/** The table: one row per stack, one column per question, and the Decided row. */
export function decisionTableModel(dt: DecisionTable): Table {
  const rows: Cell[][] = dt.stacks.map((stack) => [
    c(stack),
    ...dt.columns.map((col): Cell => {
      const parts = col.parts.map((p) => p.figures[stack] ?? { text: "–", best: false, warn: [] });
      return { ...c(parts.map((p) => p.text).join(PART_SEPARATOR), [], true), parts };
    }),
  ]);
  const decided = [c("Decided"), ...dt.columns.map((col) => c(col.parts.map(decidedText).join("; ")))];
  return { headers: ["Stack", ...dt.columns.map(header)], rows: dt.stacks.length ? [...rows, decided] : rows };
}

/** Where each figure comes from: "Peak msg/s: echo = echo-throughput 64B-binary, JSON fan-out = stream-json 10rx-max." */
export function decisionSources(dt: DecisionTable): string {
  return `Sources: ${dt.columns.map((col) => `${col.question}: ${col.parts.map((p) => `${p.label} = ${p.where}`).join(", ")}`).join("; ")}.`;
}

/** The box's lines, or one saying every question is decided. */
export function cannotTellLines(dt: DecisionTable): string[] {
  return dt.cannotTell.length ? dt.cannotTell : ["Every question of the table is decided by this set."];
}

/** docs/method.md of this repository (this file is harness/report/src/decision-render.ts). */
export const METHOD_DOC_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../../docs/method.md");

/** The relative path from the result set's folder to docs/method.md when the set lies inside this repository, else null. */
export function methodDocHref(dir: string): string | null {
  const inside = relative(dirname(dirname(METHOD_DOC_PATH)), resolve(dir));
  if (inside.startsWith("..") || isAbsolute(inside)) return null;
  return relative(resolve(dir), METHOD_DOC_PATH).split(sep).join("/");
}

/** The method as a Markdown link (relative, so it works on GitHub and in a clone), or its name outside the repository. */
export function methodLink(dir: string): string {
  const href = methodDocHref(dir);
  return href ? `[docs/method.md](${href})` : METHOD_DOC_NAME;
}

/** How the report names the method when the set lies outside the repository. */
export const METHOD_DOC_NAME = "docs/method.md in the wsarena repository";
