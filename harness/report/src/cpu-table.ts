// The cpu scenario's table: server CPU µs per message at each fixed rate, its interval and CV, cores, cost and the verdict.
import { coefficientOfVariation, mean, meanInterval } from "@wsarena/stats";
import { costPerMillionFromCpuUs, coresPerMillionMsgsPerSec, CPU_SCENARIO, cpuPointLabel, cpuUsPerMsg, fmtCpuUs } from "./cpu-figures.ts";
import { fmtCount, fmtPct, fmtUsd } from "./format.ts";
import type { PointView, ReportInput } from "./model.ts";
import { clientBusy, meanOf } from "./select.ts";
import { allMarks, caveats, MARKER_NOTES, warnings, type Cell, type Table } from "./tables.ts";

const c = (text: string, warn: string[] = [], num = false, caveat: string[] = []): Cell => ({ text, warn, num, caveat });

/**
 * Busy share of the server core not spent by the server process: coreBusyPct − processCpuPct of each repetition's exact
 * CPU, mean in % of the core, or null without pinned exact counters. Other work on the core (interrupts, other
 * processes) that a per-message figure does not include but that competes with the server.
 */
export function otherCoreLoadPct(p: PointView): number | null {
  const xs = p.reps.flatMap((r) => (r.cpu && r.cpu.coreBusyPct !== null ? [Math.max(0, r.cpu.coreBusyPct - r.cpu.processCpuPct)] : []));
  return xs.length ? mean(xs) : null;
}

/** One row per (fixed-rate point, stack) of the cpu scenario, or null when the result set has none. */
export function cpuTable(input: ReportInput, vcpuHourUsd: number): Table | null {
  const pts = input.points.filter((p) => p.scenario === CPU_SCENARIO);
  if (!pts.length) return null;
  const headers = [
    "Point (rate, shape)",
    "Stack",
    "CPU µs/msg (mean [95 % CI])",
    "CV",
    "cores per 1M msg/s",
    "$ per 1M msg",
    "Delivered msg/s",
    "Other load on server core",
    "Client busy",
    "Flags",
  ];
  const rows = pts.map((p) => {
    const us = cpuUsPerMsg(p);
    const m = us.length ? mean(us) : null;
    const ci = meanInterval(us);
    const other = otherCoreLoadPct(p);
    const client = p.reps.map(clientBusy);
    const delivered = meanOf(p, "msgsPerSec");
    const marks = allMarks(p);
    return [
      c(cpuPointLabel(p)),
      c(p.stack),
      c(m === null ? "–" : us.length > 1 ? `${fmtCpuUs(m)} [${fmtCpuUs(ci.low)}–${fmtCpuUs(ci.high)}]` : `${fmtCpuUs(m)} (n=1)`, warnings(p), true, caveats(p)),
      c(us.length > 1 ? fmtPct(coefficientOfVariation(us), 1) : "–", [], true),
      c(m === null ? "–" : fmtCpuUs(coresPerMillionMsgsPerSec(m)), [], true),
      c(m === null ? "–" : fmtUsd(costPerMillionFromCpuUs(m, vcpuHourUsd)), [], true),
      c(delivered === null ? "–" : fmtCount(delivered), [], true),
      c(other === null ? "–" : `${other.toFixed(1)}%`, [], true),
      c(client.length ? fmtPct(mean(client)) : "–", [], true),
      c(marks.length ? marks.join(", ") + (p.status !== "ok" && p.reason ? `: ${p.reason}` : "") : "ok", warnings(p), false, caveats(p)),
    ];
  });
  return {
    headers,
    rows,
    notes: [
      "CPU µs/msg: the server's CPU time (exact scheduler run time of its threads over the window) per message delivered to the clients, at a fixed rate below every stack's capacity; lower is better. cores per 1M msg/s is the same number in planning units; $ per 1M msg = vCPU-hour price × µs/msg / 3.6e9 × 1e6. " +
        "Shape: pipelined = each 1 ms tick of the client writes the messages due on a connection back to back; server-paced = the server's tick timer sends, the client only receives. " +
        "Other load on server core: the pinned core's busy share not spent by the server (interrupts, other processes), which competes with it but is not in its figure. The verdict of each point is under the section's verdicts.",
      ...MARKER_NOTES,
    ],
  };
}
