// Findings computed by fixed rules from the data, each citing the numbers behind it: the verdict per point (rank.ts),
// the latency floor, where stacks saturate, flagged or failed measurements, RSS growth, and which stacks meet an SLO.
import { fmtBytes, fmtCount, fmtMetric, fmtPct, fmtUs } from "./format.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { floorMeasured, latencyPoints, pointFloor, repFloor, schedulerLagP99 } from "./floor.ts";
import { formatVerdict, rankEntry, rankPoint, type Verdict } from "./rank.ts";
import { clientBusy } from "./select.ts";
import { meetsSlo, type Slo } from "./slo.ts";
import { saturationFindings, unranked } from "./saturation.ts";
import { coefficientOfVariation } from "@wsarena/stats";
import {
  serverCpuOf,
  AT_FLOOR_FACTOR as RULE_AT_FLOOR_FACTOR,
  CLIENT_LOADED_LAG_SHARE,
  isPercentileName,
  percentileLabel,
  windowAtFloor,
  windowClientLoaded,
  type LatencyDecision,
  type PercentileName,
} from "@wsarena/results";

/** A latency percentile within this multiple of the floor's same percentile is at the floor (the flag table's rule). */
export const AT_FLOOR_FACTOR = RULE_AT_FLOOR_FACTOR;

export { clearOfFloorP99, KEEP_UP_FRACTION, KNEE_P99_FACTOR, SERVER_BUSY_PCT, serverUsage, SHARED_CORE_GAP_PCT } from "./saturation.ts";

/** RSS at the end of each repetition rising by at least this fraction from the first to the last hints at a leak. */
export const LEAK_GROWTH_FRACTION = 0.1;
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
  return [
    ...verdicts(input),
    ...floorFindings(input),
    ...saturationFindings(input),
    ...flagged(input),
    ...leaks(input),
    ...(opts.slo ? slo(input, opts.slo) : []),
  ];
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
      const core = shown.flatMap((r) => {
        const v = serverCpuOf(r).coreBusyPct;
        return v === null ? [] : [v];
      });
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
    // Only repetitions on one server process can show growth: a fresh server per repetition (how `run` measures) starts
    // from nothing each time, so a rising sequence across them is chance, not a leak.
    const pid = p.reps[0]?.serverPid;
    if (pid === undefined || p.reps.some((r) => r.serverPid !== pid)) continue;
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
