// The "where stacks saturate" findings: the knee of each rate sweep per stack (where it falls behind the offered rate
// or its p99 turns up clear of the floor), and what was busy at each stack's closed-loop throughput peak.
import { fmtCount, fmtPct, fmtUs } from "./format.ts";
import { isMeasured, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { pointFloor } from "./floor.ts";
import { clientBusy, meanOf, offeredRate, rateSweepScenarios } from "./select.ts";
import { mean } from "@wsarena/stats";
import { EXCLUDING_FLAGS, serverCpuOf, windowAtFloor } from "@wsarena/results";

/** A point keeps up with its offered rate while the clients receive at least this fraction of it. */
export const KEEP_UP_FRACTION = 0.95;
/**
 * A point is past the knee when its p99 exceeds this multiple of the stack's p99 at the lowest offered rate and stands
 * clear of the floor measured in its windows (a rise of a p99 at the floor is the machine's, not the stack's).
 */
export const KNEE_P99_FACTOR = 3;
/** Server core busy % at or above which the server side counts as saturated (as the runner's flags use it). */
export const SERVER_BUSY_PCT = 90;
/** Core busy % minus server process % above which the report says how much core time the process was not charged for. */
export const SHARED_CORE_GAP_PCT = 25;

/** A finding of kind "saturation" (a Finding of findings.ts, which imports this module). */
export interface SaturationFinding {
  kind: "saturation";
  scenario: string;
  warning: boolean;
  text: string;
}

/** Whether a point's figure is kept out of the ranking (an excluding flag or a failed measurement): the ⚠ of a finding. */
export function unranked(p: PointView): boolean {
  return p.status !== "ok" || p.flags.some((f) => EXCLUDING_FLAGS.includes(f));
}

/**
 * Whether a point's p99 stands clear of the floor measured in its windows: not within AT_FLOOR_FACTOR× of it in more
 * than half of its repetitions (the at-floor point rule). A point without a floor record counts as clear.
 */
export function clearOfFloorP99(p: PointView): boolean {
  return p.reps.filter((r) => windowAtFloor(r, "p99Us")).length * 2 <= p.reps.length;
}

/** Where each stack saturates: the knee of each rate sweep, and what was busy at each closed-loop peak. */
export function saturationFindings(input: ReportInput): SaturationFinding[] {
  const out: SaturationFinding[] = [];
  const sweeps = rateSweepScenarios(input);
  for (const scenario of sweeps) {
    const stacks = [...new Set(input.points.filter((p) => p.scenario === scenario && isMeasured(p)).map((p) => p.stack))].sort();
    for (const stack of stacks) {
      const pts = input.points
        .filter((p) => p.scenario === scenario && p.stack === stack && isMeasured(p) && offeredRate(p) !== null)
        .sort((a, b) => offeredRate(a)! - offeredRate(b)!);
      const first = pts[0];
      if (!first) continue;
      const floorP99 = meanOf(first, "p99Us");
      let lastGood: PointView | null = null;
      let knee: { p: PointView; why: string; delivered: boolean } | null = null;
      for (const p of pts) {
        const rate = offeredRate(p)!;
        const got = meanOf(p, "msgsPerSec");
        const p99 = meanOf(p, "p99Us");
        const reasons: string[] = [];
        if (got !== null && got < KEEP_UP_FRACTION * rate)
          reasons.push(`it delivered ${fmtCount(got)} of ${fmtCount(rate)} msg/s offered (${fmtPct(got / rate)})`);
        if (floorP99 !== null && p99 !== null && p99 > KNEE_P99_FACTOR * floorP99 && clearOfFloorP99(p)) {
          const fl = pointFloor(p);
          reasons.push(
            `p99 rose to ${fmtUs(p99)}, ${(p99 / floorP99).toFixed(1)}× its ${fmtUs(floorP99)} at ${fmtCount(offeredRate(first)!)} msg/s, clear of the floor (p99 ${fl ? fmtUs(fl.p99Us) : "not measured"})`,
          );
        }
        if (reasons.length) {
          knee = { p, why: reasons.join("; "), delivered: !(got !== null && got < KEEP_UP_FRACTION * rate) };
          break;
        }
        lastGood = p;
      }
      const at = (p: PointView): string => `${fmtCount(offeredRate(p)!)} msg/s`;
      let text: string;
      if (!knee) {
        const top = pts[pts.length - 1]!;
        text = `${scenario}: ${stack} keeps up at every offered rate up to ${at(top)} (p99 ${fmtUs(meanOf(top, "p99Us") ?? NaN)}); its knee is beyond the sweep.`;
      } else if (!lastGood) {
        text = `${scenario}: ${stack} is saturated already at the lowest offered rate, ${at(knee.p)}: ${knee.why}.`;
      } else {
        // Saturated: it fell behind the offered rate; a p99 rise alone (everything delivered) is a latency knee.
        const verb = knee.delivered
          ? `its latency turns up by ${at(knee.p)} (a knee: it still delivered ≥ ${fmtPct(KEEP_UP_FRACTION)} of the offered rate)`
          : `saturates by ${at(knee.p)}`;
        text = `${scenario}: ${stack} keeps up to ${at(lastGood)} (p99 ${fmtUs(meanOf(lastGood, "p99Us") ?? NaN)}) and ${verb}: ${knee.why}.`;
      }
      out.push({ kind: "saturation", scenario, warning: false, text });
    }
  }
  // Closed-loop throughput: the peak and what was busy there.
  for (const scenario of input.scenarios.filter((s) => !sweeps.includes(s))) {
    const pts = input.points.filter((p) => p.scenario === scenario && isMeasured(p) && p.headline?.metric === "msgsPerSec");
    for (const stack of [...new Set(pts.map((p) => p.stack))].sort()) {
      const mine = pts.filter((p) => p.stack === stack);
      const peak = mine.reduce((a, b) => ((meanOf(b, "msgsPerSec") ?? 0) > (meanOf(a, "msgsPerSec") ?? 0) ? b : a));
      const usage = serverUsage(peak);
      const client = peak.reps.map(clientBusy);
      let bound: string;
      if (peak.flags.includes("client-bound")) bound = "the client was the bottleneck (client-bound)";
      else if (usage.coreBusyPct !== null && usage.coreBusyPct >= SERVER_BUSY_PCT) bound = "the server core was saturated";
      else bound = "neither side was saturated";
      const shared = usage.coreBusyPct !== null && usage.processPct !== null && usage.coreBusyPct - usage.processPct > SHARED_CORE_GAP_PCT;
      out.push({
        kind: "saturation",
        scenario,
        warning: unranked(peak),
        text:
          `${scenario}: ${stack} peaks at ${fmtCount(meanOf(peak, "msgsPerSec") ?? NaN)} msg/s at ${pointLabel(peak)}; server core ${usage.coreBusyPct === null ? "not sampled" : `${usage.coreBusyPct.toFixed(0)}% busy`}, server process ${usage.processPct === null ? "not sampled" : `${usage.processPct.toFixed(0)}% of a core`}, client ${fmtPct(mean(client))} busy: ${bound}` +
          (shared
            ? `; ${(usage.coreBusyPct! - usage.processPct!).toFixed(0)} points of the core's busy time were not charged to the server process (kernel network work in softirq, or other processes on the core).`
            : "."),
      });
    }
  }
  return out;
}

/** Mean server core busy % and server process CPU % over a point's repetitions (null when not sampled). */
export function serverUsage(p: PointView): { coreBusyPct: number | null; processPct: number | null } {
  const core = p.reps.flatMap((r) => {
    const v = serverCpuOf(r).coreBusyPct;
    return v === null ? [] : [v];
  });
  const proc = p.reps.flatMap((r) => {
    const v = serverCpuOf(r).processPct;
    return v === null ? [] : [v];
  });
  return { coreBusyPct: core.length ? mean(core) : null, processPct: proc.length ? mean(proc) : null };
}
