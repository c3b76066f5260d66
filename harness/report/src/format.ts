// Number formatting of the report: @wsarena/format's style, plus a metric's value in its own unit.
import { fmtCount, fmtUs } from "@wsarena/format";
import { isLatencyMetric } from "./model.ts";

export * from "@wsarena/format";

/** A metric's value: latencies as time (fmtUs), everything else as a count (fmtCount). */
export function fmtMetric(metric: string, v: number): string {
  return isLatencyMetric(metric) ? fmtUs(v) : fmtCount(v);
}
