import { fmtPct, fmtUs } from "./format.ts";
import { isLatencyMetric, pointLabel, type ReportInput } from "./model.ts";
import { clientBusy, meanOf } from "./select.ts";
import { floorMeasured, FLOOR_PERCENTILES, latencyPoints, pointFloor, schedulerLagP99, atFloorReps } from "./floor.ts";
import { mean } from "@wsarena/stats";
import { AT_FLOOR_MARK, c, type Table } from "./tables.ts";

/**
 * Latency points of a scenario next to their floor: p50/p90/p99/p99.9/max of the stack, the same percentiles of the
 * worst pinned core's hiccup probe, the client's scheduler-lag p99 and busy share. Null when no point's headline is a latency.
 */
export function latencyFloorTable(input: ReportInput, scenario: string): Table | null {
  const pts = latencyPoints(input, scenario).filter((p) => p.headline && isLatencyMetric(p.headline.metric));
  if (!pts.length) return null;
  const measured = floorMeasured(input);
  const headers = [
    "Point",
    "Stack",
    ...FLOOR_PERCENTILES.map((q) => q.label),
    ...FLOOR_PERCENTILES.map((q) => `floor ${q.label}`),
    "Sched. lag p99",
    "Client busy",
  ];
  const rows = pts.map((p) => {
    const fl = pointFloor(p);
    const lag = schedulerLagP99(p);
    const client = p.reps.map(clientBusy);
    return [
      c(pointLabel(p)),
      c(p.stack),
      ...FLOOR_PERCENTILES.map(({ name }) => {
        const v = meanOf(p, name);
        if (v === null) return c("–", [], true);
        const k = atFloorReps(p, name);
        const mark = k === 0 ? "" : k === p.reps.length ? ` ${AT_FLOOR_MARK}` : ` ${AT_FLOOR_MARK} ${k}/${p.reps.length}`;
        return c(`${fmtUs(v)}${mark}`, k ? ["at-floor"] : [], true);
      }),
      ...FLOOR_PERCENTILES.map(({ name }) => c(fl ? fmtUs(fl[name]) : "not measured", [], true)),
      c(lag === null ? "–" : fmtUs(lag), [], true),
      c(client.length ? fmtPct(mean(client)) : "–", [], true),
    ];
  });
  const notes = measured
    ? [
        `floor: wake-up lateness of an idle probe on each pinned core in the same window (the worst core per percentile), mean over repetitions. ${AT_FLOOR_MARK}: within 2× of the floor's same percentile (in k/n of the repetitions when not all): that figure describes the machine, not the stack. Sched. lag: how late the load generator's own ticks fired.`,
      ]
    : [
        "floor not measured in this run (a result set from before schema v2, or cores not pinned): these percentiles cannot be told apart from the machine's own wake-up lateness.",
      ];
  return { headers, rows, notes };
}
