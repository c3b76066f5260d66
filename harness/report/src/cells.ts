// The cell and table models the HTML and Markdown renderers draw: every table of the report is built from these.

/** A table cell: text plus the marks it carries (shown in place). */
export interface Cell {
  text: string;
  /** Why the value is not a server property (unranking flags, or a failed status): marked ⚠; empty when clean. */
  warn: string[];
  /** Right-align (numbers). */
  num?: boolean;
  /** Caveats of a ranked value (high-variance, not-saturated, partial): marked †. */
  caveat?: string[];
  /** The column's winner, decided by ratio intervals: shown bold. */
  best?: boolean;
  /**
   * The file the figure was read from, relative to the report's folder (PointView.sourceFile); a renderer given a
   * link function shows the text as a link to it.
   */
  href?: string;
  /** Several figures in one cell (the decision table's parts), each bold or ⚠ on its own; `text` is their plain join. */
  parts?: CellPart[];
}

/** One figure of a cell of several: its text, whether it is its part's winner, why it is not ranked. */
export interface CellPart {
  text: string;
  best: boolean;
  warn: string[];
  /** The file the figure was read from, relative to the report's folder. */
  href?: string;
}

/** Separator between the parts of a cell. */
export const PART_SEPARATOR = " / ";

/** A table: header labels, rows of cells, and notes printed under it (markers, rules). */
export interface Table {
  headers: string[];
  rows: Cell[][];
  notes?: string[];
}

/** A table cell: its text, the flags that keep it unranked, whether it is a number (right-aligned), its caveats. */
export const c = (text: string, warn: string[] = [], num = false, caveat: string[] = []): Cell => ({ text, warn, num, caveat });
