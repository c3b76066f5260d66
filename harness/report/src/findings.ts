// Findings computed by fixed rules from the data, each citing the numbers behind it: the verdict per point (rank.ts),
// the latency floor, where stacks saturate, flagged or failed measurements, RSS growth, and which stacks meet an SLO.
import { fmtBytes, fmtCount, fmtMetric, fmtPct, fmtUs } from "./format.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { floorMeasured, latencyPoints, pointFloor, repFloor, schedulerLagP99 } from "./floor.ts";
import { formatVerdict, rankEntry, rankPoint, type Verdict } from "./rank.ts";
import { clientBusy, meanOf, offeredRate, rateSweepScenarios } from "./select.ts";
import { meetsSlo, type Slo } from "./slo.ts";
import { coefficientOfVariation, mean } from "@wsarena/stats";
import {
  AT_FLOOR_FACTOR as RULE_AT_FLOOR_FACTOR,
  CLIENT_LOADED_LAG_SHARE,
  EXCLUDING_FLAGS,
  isPercentileName,
  percentileLabel,
  windowAtFloor,
  windowClientLoaded,
  type LatencyDecision,
  type PercentileName,
} from "@wsarena/results";

/** A latency percentile within this multiple of the floor's same percentile is at the floor (the flag table's rule). */
export const AT_FLOOR_FACTOR = RULE_AT_FLOOR_FACTOR;

/** A point keeps up with its offered rate while the clients receive at least this fraction of it. */
export const KEEP_UP_FRACTION = 0.95;
/**
 * A point is past the knee when its p99 exceeds this multiple of the stack's p99 at the lowest offered rate and stands
 * clear of the floor measured in its windows (a rise of a p99 at the floor is the machine's, not the stack's).
 */
export const KNEE_P99_FACTOR = 3;
/** RSS at the end of each repetition rising by at least this fraction from the first to the last hints at a leak. */
export const LEAK_GROWTH_FRACTION = 0.1;
/** Server core busy % at or above which the server side counts as saturated (as the runner's flags use it). */
export const SERVER_BUSY_PCT = 90;
/** Core busy % minus server process % above which the report says how much core time the process was not charged for. */
export const SHARED_CORE_GAP_PCT = 25;
/** Fewest repetitions the leak rule looks at. */
export const LEAK_MIN_REPS = 3;

/** Kinds of finding, in the order reports show them. */
export type FindingKind = "verdict" | "floor" | "saturation" | "flagged" | "leak" | "slo";

/** One finding: a sentence with its numbers. */
export interface Finding {
  kind: FindingKind;
  /** Scenario it is about, or null for run-wide findings. */
  scenario: string | null;
  /** The finding, plain text with the numbers it rests on. */
  text: string;
  /** True when the finding names a figure that is not ranked (an excluding flag, a failed measurement): printed with ⚠. */
  warning: boolean;
}

/** Options of computeFindings; never mutated. */
export interface FindingsOptions {
  /** Latency objective to check, or null. */
  slo: Slo | null;
}

/** Titles of the finding kinds. */
export const FINDING_TITLES: Readonly<Record<FindingKind, string>> = {
  verdict: "Verdict per point",
  floor: "Latency floor",
  saturation: "Where stacks saturate",
  flagged: "Flagged or failed measurements",
  leak: "Memory growth across repetitions",
  slo: "Latency objective",
};

/** Every finding for the report, in a stable order (kind, then scenario and point order). */
export function computeFindings(input: ReportInput, opts: FindingsOptions): Finding[] {
  return [...verdicts(input), ...floorFindings(input), ...saturation(input), ...flagged(input), ...leaks(input), ...(opts.slo ? slo(input, opts.slo) : [])];
}

/** Groups measured points by (scenario, point key), in input order. */
export function pointGroups(input: ReportInput): PointView[][] {
  const groups = new Map<string, PointView[]>();
  for (const p of input.points) {
    if (!isMeasured(p) || !p.headline) continue;
    const k = `${p.scenario}|${p.pointKey}`;
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  return [...groups.values()];
}

/** The figure a point is ranked by: its decided percentile for a latency point (see decide.ts), else its headline. */
export function rankedMetric(p: PointView): string {
  return p.decision?.percentile ?? p.headline!.metric;
}

/** The verdict of one group of points (same scenario and point), ranked by ratio intervals (see rank.ts). */
export function groupVerdict(group: readonly PointView[]): Verdict {
  const h = group[0]!.headline!;
  const metric = rankedMetric(group[0]!);
  return rankPoint(
    group.map((p) => rankEntry(p.stack, p.reps, metric, p.flags, p.status)),
    h.better,
  );
}

/** "p90 decided: p99 at the floor (bun, uws)", or "p99 decided" when nothing was passed over. */
export function decisionText(d: LatencyDecision): string {
  const passed = d.passed.map((x) => `${percentileLabel(x.percentile)} at the floor (${x.atFloor.join(", ")})`);
  const why = passed.length ? `: ${passed.join("; ")}` : "";
  const still = d.fallback
    ? `; no percentile is clear of the floor for every stack: ${percentileLabel(d.percentile)} has the fewest at it (${d.atFloor.join(", ")}), not ranked`
    : "";
  return `${percentileLabel(d.percentile)} decided${why}${still}`;
}

/** "flag: the numbers" for use inside parentheses. */
function inline(p: PointView, flag: string): string {
  const note = flagNote(p, flag);
  return note ? `${flag}: ${note}` : flag;
}

function verdicts(input: ReportInput): Finding[] {
  const out: Finding[] = [];
  for (const group of pointGroups(input)) {
    const h = group[0]!.headline!;
    const v = groupVerdict(group);
    const byStack = new Map(group.map((p) => [p.stack, p]));
    const line = formatVerdict(v, {
      caveat: (stack, flags) => `(${flags.map((f) => inline(byStack.get(stack)!, f)).join("; ")})`,
      reason: (u) => (u.flags.length ? u.flags.map((f) => inline(byStack.get(u.stack)!, f)).join("; ") : u.reason),
    });
    const where = `${group[0]!.scenario} ${pointLabel(group[0]!)}`;
    const metric = rankedMetric(group[0]!);
    const decided = group[0]!.decision ? `; ${decisionText(group[0]!.decision)}` : "";
    const decision = v.winner
      ? `Winner: ${v.winner}, ${fmtMetric(metric, v.ranked[0]!.geoMean)} (geometric mean of ${v.ranked[0]!.n} reps).`
      : `No decision: ${v.noDecision}.`;
    out.push({
      kind: "verdict",
      scenario: group[0]!.scenario,
      warning: v.unranked.length > 0,
      text: `${where} (${metric}, ${h.better} is better${decided}): ${line}. ${decision}`,
    });
  }
  return out;
}

/**
 * Whether a point's p99 stands clear of the floor measured in its windows: not within AT_FLOOR_FACTOR× of it in more
 * than half of its repetitions (the at-floor point rule). A point without a floor record counts as clear.
 */
export function clearOfFloorP99(p: PointView): boolean {
  return p.reps.filter((r) => windowAtFloor(r, "p99Us")).length * 2 <= p.reps.length;
}

function saturation(input: ReportInput): Finding[] {
  const out: Finding[] = [];
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

/** "flag (the numbers behind it)", as findings print a flag. */
export function flagDetail(p: PointView, flag: string): string {
  const note = flagNote(p, flag);
  return note ? `${flag} (${note})` : flag;
}

/** The percentile a point's latency flags are judged at: its decided percentile, else its headline's, else p99. */
function decidedPercentile(p: PointView): PercentileName {
  const h = p.headline?.metric;
  return p.decision?.percentile ?? (h && isPercentileName(h) ? h : "p99Us");
}

/** The numbers behind a flag of a point, or "" when there is nothing to add to its name. */
export function flagNote(p: PointView, flag: string): string {
  const reps = p.reps;
  switch (flag) {
    case "client-bound":
    case "not-saturated": {
      const hit = reps.filter((r) => r.flags.includes(flag as never));
      const shown = hit.length ? hit : reps;
      const range = (xs: number[], f: (x: number) => string): string => {
        const lo = f(Math.min(...xs));
        const hi = f(Math.max(...xs));
        return lo === hi ? lo : `${lo}–${hi}`;
      };
      const core = shown.flatMap((r) => (r.server?.coreBusyPct == null ? [] : [r.server.coreBusyPct]));
      return `in ${hit.length} of ${reps.length} reps: client ${range(shown.map(clientBusy), (x) => fmtPct(x))} busy, server core ${core.length ? range(core, (x) => `${x.toFixed(0)}%`) : "not sampled"}`;
    }
    case "integrity": {
      const v = reps.reduce((a, r) => a + r.integrity.lost + r.integrity.duplicated + r.integrity.reordered + r.integrity.corrupted, 0);
      const lost = reps.reduce((a, r) => a + r.integrity.lost, 0);
      return `${fmtCount(v)} violations over ${reps.length} reps, ${fmtCount(lost)} lost`;
    }
    case "errors": {
      const first = reps.flatMap((r) => [...r.errors, ...r.postcondition.failures])[0];
      return first ? `e.g. "${first.slice(0, 120)}"` : "";
    }
    case "high-variance": {
      const xs = p.headline ? metricValues(p, p.headline.metric) : [];
      return `CV ${fmtPct(coefficientOfVariation(xs), 1)} over ${xs.length} reps`;
    }
    case "client-loaded": {
      const q = decidedPercentile(p);
      const hit = reps.filter((r) => windowClientLoaded(r, q));
      const each = hit.map((r) => {
        const lag = r.schedulerLag!.summary[q];
        return `scheduler lag ${percentileLabel(q)} ${fmtUs(lag)}, ${fmtPct(lag / r.latency![q])} of the measured ${fmtUs(r.latency![q])}`;
      });
      return `in ${hit.length} of ${reps.length} reps (lag > ${fmtPct(CLIENT_LOADED_LAG_SHARE)} of the latency at ${percentileLabel(q)}): ${each.join("; ")}`;
    }
    case "at-floor": {
      const q = decidedPercentile(p);
      const hit = reps.filter((r) => windowAtFloor(r, q));
      const each = hit.map((r) => {
        const fl = repFloor(r)![q];
        return `${percentileLabel(q)} ${fmtUs(r.latency![q])}, floor ${fmtUs(fl)} (${(r.latency![q] / fl).toFixed(1)}×)`;
      });
      return `in ${hit.length} of ${reps.length} reps (within ${AT_FLOOR_FACTOR}× of the floor in the same window): ${each.join("; ")}: describes the machine, not the stack`;
    }
    default:
      return "";
  }
}

function floorFindings(input: ReportInput): Finding[] {
  const out: Finding[] = [];
  const measured = floorMeasured(input);
  for (const scenario of input.scenarios) {
    const pts = latencyPoints(input, scenario).filter((p) => p.headline && isLatencyMetric(p.headline.metric));
    if (!pts.length) continue;
    if (!measured) {
      out.push({
        kind: "floor",
        scenario,
        warning: false,
        text: `${scenario}: floor not measured in this run (a result set from before schema v2, or cores not pinned), so its latency percentiles cannot be told apart from the machine's own wake-up lateness; on a shared VM that lateness has a p99 of hundreds of µs to ms.`,
      });
      continue;
    }
    const floors = pts.map(pointFloor).filter((f): f is NonNullable<typeof f> => f !== null);
    const lags = pts.map(schedulerLagP99).filter((x): x is number => x !== null);
    const atFloor = pts.filter((p) => p.flags.includes("at-floor"));
    const lo = (name: PercentileName): string => fmtUs(Math.min(...floors.map((f) => f[name])));
    const hi = (name: PercentileName): string => fmtUs(Math.max(...floors.map((f) => f[name])));
    const range = (name: PercentileName): string => (lo(name) === hi(name) ? lo(name) : `${lo(name)}–${hi(name)}`);
    let text = `${scenario}: floor (worst pinned core per window, mean over repetitions, range over points) p50 ${range("p50Us")}, p99 ${range("p99Us")}, p99.9 ${range("p999Us")}, max ${range("maxUs")}`;
    if (lags.length) text += `; client scheduler lag p99 ${fmtUs(Math.min(...lags))}–${fmtUs(Math.max(...lags))}`;
    const decided = pts.filter((p) => p.decision && p.decision.percentile !== p.headline!.metric);
    if (decided.length) {
      const byQ = new Map<string, string[]>();
      for (const p of decided)
        byQ.set(percentileLabel(p.decision!.percentile), [...(byQ.get(percentileLabel(p.decision!.percentile)) ?? []), `${p.stack} ${pointLabel(p)}`]);
      text += `. Decided below the headline percentile because a stack was within ${AT_FLOOR_FACTOR}× of the floor there: ${[...byQ].map(([q, who]) => `at ${q} ${who.join(", ")}`).join("; ")}`;
    }
    text += atFloor.length
      ? `. ${atFloor.length} of ${pts.length} figures are within ${AT_FLOOR_FACTOR}× of the floor's same percentile at the percentile their point is decided at (${atFloor.map((p) => `${p.stack} ${pointLabel(p)}`).join(", ")}): they describe the machine, not the stack, and are not ranked.`
      : `. No figure is within ${AT_FLOOR_FACTOR}× of the floor at the percentile its point is decided at.`;
    out.push({ kind: "floor", scenario, warning: atFloor.length > 0, text });
  }
  return out;
}

/** Whether a point's figure is kept out of the ranking (an excluding flag or a failed measurement): the ⚠ of a finding. */
function unranked(p: PointView): boolean {
  return p.status !== "ok" || p.flags.some((f) => EXCLUDING_FLAGS.includes(f));
}

function flagged(input: ReportInput): Finding[] {
  const out: Finding[] = [];
  for (const p of input.points) {
    const where = `${p.stack} ${p.scenario}${p.pointKey ? ` ${p.pointKey}` : ""}`;
    if (p.status !== "ok") {
      out.push({ kind: "flagged", scenario: p.scenario, warning: true, text: `${where}: ${p.status}${p.reason ? ` — ${p.reason}` : ""}.` });
    } else if (p.flags.length) {
      out.push({ kind: "flagged", scenario: p.scenario, warning: unranked(p), text: `${where}: ${p.flags.map((f) => flagDetail(p, f)).join("; ")}.` });
    }
    if (p.partial && p.status === "ok")
      out.push({
        kind: "flagged",
        scenario: p.scenario,
        warning: false,
        text: `${where}: partial (the run was interrupted before every repetition finished).`,
      });
  }
  return out;
}

function leaks(input: ReportInput): Finding[] {
  const out: Finding[] = [];
  for (const p of input.points) {
    const rss = p.reps.flatMap((r) => (r.server ? [r.server.rssBytesEnd] : []));
    if (rss.length < LEAK_MIN_REPS) continue;
    const rising = rss.every((v, i) => i === 0 || v >= rss[i - 1]!);
    const growth = rss[rss.length - 1]! / rss[0]! - 1;
    if (rising && growth >= LEAK_GROWTH_FRACTION) {
      out.push({
        kind: "leak",
        scenario: p.scenario,
        warning: false,
        text: `${p.stack} ${p.scenario} ${pointLabel(p)}: RSS at the end of each repetition rose every time, ${rss.map(fmtBytes).join(" → ")} (+${fmtPct(growth)} over ${rss.length} reps); this hints at a leak or growing state — confirm with a longer run.`,
      });
    }
  }
  return out;
}

function slo(input: ReportInput, s: Slo): Finding[] {
  const out: Finding[] = [];
  const groups = new Map<string, PointView[]>();
  for (const p of input.points) {
    if (!isMeasured(p) || !p.reps.some((r) => r.latency)) continue;
    const k = `${p.scenario}|${p.pointKey}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  for (const group of groups.values()) {
    const meets: string[] = [];
    const misses: string[] = [];
    for (const p of group) {
      const worst = Math.max(...metricValues(p, s.metric));
      const line = `${p.stack} (worst rep ${fmtUs(worst)})`;
      (meetsSlo(s, worst) ? meets : misses).push(line);
    }
    out.push({
      kind: "slo",
      scenario: group[0]!.scenario,
      warning: false,
      text: `${s.text} in ${group[0]!.scenario} ${pointLabel(group[0]!)}: ${meets.length ? `met by ${meets.join(", ")}` : "met by no stack"}${misses.length ? `; missed by ${misses.join(", ")}` : ""}.`,
    });
  }
  return out;
}

/** Mean server core busy % and server process CPU % over a point's repetitions (null when not sampled). */
export function serverUsage(p: PointView): { coreBusyPct: number | null; processPct: number | null } {
  const core = p.reps.flatMap((r) => (r.server && r.server.coreBusyPct !== null ? [r.server.coreBusyPct] : []));
  const proc = p.reps.flatMap((r) => (r.server ? [r.server.cpuPct] : []));
  return { coreBusyPct: core.length ? mean(core) : null, processPct: proc.length ? mean(proc) : null };
}
