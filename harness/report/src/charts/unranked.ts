// Which bars are drawn hatched: figures the tables mark ⚠ (not ranked), as tables.ts's `warnings` decides them from
// the point's status and rank.ts's unranking flags, so a chart and its table never disagree.
import type { PointView } from "../model.ts";
import { warnings } from "../tables.ts";
import { barStat, type BarStat } from "./bars.ts";

/** A point's bar over `values` (see barStat), marked unranked when the tables mark the point's figures ⚠. */
export function pointBar(p: PointView, values: readonly number[]): BarStat | null {
  const s = barStat(values);
  return s && warnings(p).length > 0 ? { ...s, unranked: true } : s;
}
