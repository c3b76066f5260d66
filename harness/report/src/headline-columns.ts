// The headline's CPU columns (µs/msg, cores per 1M msg/s, $ per 1M msg) and its sustainable-rate column, with the
// Decided cell every headline column ends in.
import { c, type Cell } from "./cells.ts";
import { costPerMillionFromCpuUs, coresPerMillionMsgsPerSec, CPU_SCENARIO, cpuUsPerMsg, fmtCpuUs, NO_CPU_POINT_REASON } from "./cpu-figures.ts";
import { fmtUsd } from "./format.ts";
import type { PointView, ReportInput } from "./model.ts";
import { CAVEAT_FLAGS, fmtAdvantage, type Verdict } from "./rank.ts";
import { mean, meanInterval } from "@wsarena/stats";
import { kneeSummaries, kneeText, kneeVerdict, kneeWarnings } from "./knee.ts";

/** The headline's CPU µs/msg (mean [95 % CI]), cores per 1M msg/s and $ per 1M msg cells of one stack's fixed-rate point. */
export function cpuHeadlineCells(cpu: PointView | undefined, vcpuHourUsd: number, cell: (text: string) => Cell): Cell[] {
  const us = cpu ? cpuUsPerMsg(cpu) : [];
  if (!us.length) return [0, 1, 2].map(() => c("–", [], true));
  const m = mean(us);
  const ci = meanInterval(us);
  return [
    cell(`${fmtCpuUs(m)}${us.length > 1 ? ` [${fmtCpuUs(ci.low)}–${fmtCpuUs(ci.high)}]` : " (n=1)"}`),
    cell(fmtCpuUs(coresPerMillionMsgsPerSec(m))),
    cell(fmtUsd(costPerMillionFromCpuUs(m, vcpuHourUsd))),
  ];
}

/** The Decided cells of the three CPU columns (one verdict: cores and $ are µs/msg scaled); undefined = the set has no fixed-rate point. */
export function cpuDecidedCells(v: Verdict | null | undefined): Cell[] {
  if (v === undefined) return [c("–"), c("–"), c("–")];
  const same = v?.winner ? c("as CPU µs/msg") : verdictCell(v);
  return [verdictCell(v), same, same];
}

/** The note under the headline on its CPU columns: how they are derived, or why they are empty. */
export function cpuHeadlineNote(noCpu: boolean): string {
  return noCpu
    ? `CPU µs/msg, cores per 1M msg/s, $ per 1M msg: – ${NO_CPU_POINT_REASON}.`
    : `CPU µs/msg: server CPU per delivered message at the fixed rate named in the header (exact scheduler run time of the server's threads over the window); cores per 1M msg/s is the same number; $ per 1M msg = vCPU-hour price × µs/msg / 3.6e9 × 1e6. Every fixed-rate point is in the ${CPU_SCENARIO} section.`;
}

/** The headline's sustainable-rate column (the rate ladder's knee within the run's SLO), or null when the set has no knee. */
export function sustainableRateColumn(all: ReportInput, stacks: readonly string[]): { header: string; cells: Cell[]; decided: Cell } | null {
  const sums = kneeSummaries(all);
  if (!sums.length) return null;
  const verdict = kneeVerdict(sums);
  const cells = stacks.map((stack): Cell => {
    const k = sums.find((s) => s.stack === stack);
    if (!k) return c("–");
    return {
      ...c(
        kneeText(k),
        kneeWarnings(k),
        true,
        k.flags.filter((f) => CAVEAT_FLAGS.includes(f)),
      ),
      best: verdict.winner === stack,
      href: all.points.find((p) => p.stack === stack && p.scenario === k.scenario)?.sourceFile,
    };
  });
  return { header: `Sustainable rate @ ${sums[0]!.slo} (${sums[0]!.scenario})`, cells, decided: verdictCell(verdict) };
}

/** The "Decided" cell of a headline column: the winner and its margin, or why there is none. */
export function verdictCell(v: Verdict | null): Cell {
  if (!v) return c("–");
  if (v.winner) {
    const cut = v.cuts[0];
    return c(cut ? `${v.winner} (${fmtAdvantage(cut.estimate)} over ${v.groups[1]!.length > 1 ? `{${v.groups[1]!.join(", ")}}` : cut.worse})` : v.winner);
  }
  return c(`no decision: ${v.noDecision}`);
}
