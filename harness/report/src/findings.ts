// Findings computed by fixed rules from the data, each citing the numbers behind it: winners with a 95% CI, where stacks
// saturate, flagged or failed measurements, RSS growth across repetitions, and which stacks meet a latency SLO.
import { fmtBytes, fmtChange, fmtCount, fmtPct, fmtUs } from "./format.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { clientBusy, meanOf, offeredRate, rateSweepScenarios } from "./select.ts";
import { meetsSlo, type Slo } from "./slo.ts";
import { mean, ratioOfMeans } from "@wsarena/runner";

/** A point keeps up with its offered rate while the clients receive at least this fraction of it. */
export const KEEP_UP_FRACTION = 0.95;
/** A point is past the knee when its p99 exceeds this multiple of the stack's p99 at the lowest offered rate. */
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
export type FindingKind = "fastest" | "saturation" | "flagged" | "leak" | "slo";

/** One finding: a sentence with its numbers. */
export interface Finding {
  kind: FindingKind;
  /** Scenario it is about, or null for run-wide findings. */
  scenario: string | null;
  /** The finding, plain text with the numbers it rests on. */
  text: string;
  /** True for findings that qualify figures (flags, failures, leaks, missed SLOs). */
  warning: boolean;
}

/** Options of computeFindings; never mutated. */
export interface FindingsOptions {
  /** Latency objective to check, or null. */
  slo: Slo | null;
}

/** Titles of the finding kinds. */
export const FINDING_TITLES: Readonly<Record<FindingKind, string>> = {
  fastest: "Best per point",
  saturation: "Where stacks saturate",
  flagged: "Flagged or failed measurements",
  leak: "Memory growth across repetitions",
  slo: "Latency objective",
};

/** Every finding for the report, in a stable order (kind, then scenario and point order). */
export function computeFindings(input: ReportInput, opts: FindingsOptions): Finding[] {
  return [...fastest(input), ...saturation(input), ...flagged(input), ...leaks(input), ...(opts.slo ? slo(input, opts.slo) : [])];
}

function fmtMetric(metric: string, v: number): string {
  return isLatencyMetric(metric) ? fmtUs(v) : fmtCount(v);
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

function fastest(input: ReportInput): Finding[] {
  const out: Finding[] = [];
  for (const group of pointGroups(input)) {
    const h = group[0]!.headline!;
    const sign = h.better === "higher" ? -1 : 1;
    const ranked = group
      .map((p) => ({ p, values: metricValues(p, h.metric) }))
      .filter((r) => r.values.length > 0)
      .sort((a, b) => sign * (mean(a.values) - mean(b.values)) || (a.p.stack < b.p.stack ? -1 : 1));
    const clean = ranked.filter((r) => r.p.flags.length === 0);
    const where = `${group[0]!.scenario} ${pointLabel(group[0]!)}`;
    const best = clean[0];
    const word = h.better === "higher" ? "highest" : "lowest";
    if (!best) {
      if (ranked[0]) out.push({ kind: "fastest", scenario: group[0]!.scenario, warning: true, text: `${where}: every stack's figure is flagged (${ranked.map((r) => `${r.p.stack}: ${r.p.flags.join(", ")}`).join("; ")}), so no winner is named.` });
      continue;
    }
    let text = `${where}: ${best.p.stack} has the ${word} ${h.metric}, ${fmtMetric(h.metric, mean(best.values))} (mean of ${best.values.length} reps)`;
    const second = clean[1];
    if (second) {
      const r = ratioOfMeans(second.values, best.values);
      const margin = `${fmtChange(r.ratio)} (ratio of geometric means) vs ${second.p.stack} at ${fmtMetric(h.metric, mean(second.values))} (95% CI ${fmtChange(Math.min(r.interval.low, 10.99))} … ${r.interval.high > 10.99 ? ">+999%" : fmtChange(r.interval.high)}, Welch t on logs, ${r.nA} vs ${r.nB} reps)`;
      if (!r.significant) {
        text = `${where}: no clear winner on ${h.metric}: ${best.p.stack} at ${fmtMetric(h.metric, mean(best.values))} is ${margin}, not distinguishable at 95%`;
      } else {
        text += `, ${margin}`;
      }
    } else {
      text += ", the only unflagged stack";
    }
    const beaten = ranked.filter((r) => ranked.indexOf(r) < ranked.indexOf(best));
    if (beaten.length) text += `; ${beaten.map((r) => `${r.p.stack} (${fmtMetric(h.metric, mean(r.values))}) ranks higher but is flagged ${r.p.flags.join(", ")}`).join("; ")}`;
    out.push({ kind: "fastest", scenario: group[0]!.scenario, warning: false, text: `${text}.` });
  }
  return out;
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
      let knee: { p: PointView; why: string } | null = null;
      for (const p of pts) {
        const rate = offeredRate(p)!;
        const got = meanOf(p, "msgsPerSec");
        const p99 = meanOf(p, "p99Us");
        const reasons: string[] = [];
        if (got !== null && got < KEEP_UP_FRACTION * rate) reasons.push(`it delivered ${fmtCount(got)} of ${fmtCount(rate)} msg/s offered (${fmtPct(got / rate)})`);
        if (floorP99 !== null && p99 !== null && p99 > KNEE_P99_FACTOR * floorP99) reasons.push(`p99 rose to ${fmtUs(p99)}, ${(p99 / floorP99).toFixed(1)}× its ${fmtUs(floorP99)} at ${fmtCount(offeredRate(first)!)} msg/s`);
        if (reasons.length) {
          knee = { p, why: reasons.join("; ") };
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
        text = `${scenario}: ${stack} keeps up to ${at(lastGood)} (p99 ${fmtUs(meanOf(lastGood, "p99Us") ?? NaN)}) and saturates by ${at(knee.p)}: ${knee.why}.`;
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
        warning: peak.flags.length > 0,
        text:
          `${scenario}: ${stack} peaks at ${fmtCount(meanOf(peak, "msgsPerSec") ?? NaN)} msg/s at ${pointLabel(peak)}; server core ${usage.coreBusyPct === null ? "not sampled" : `${usage.coreBusyPct.toFixed(0)}% busy`}, server process ${usage.processPct === null ? "not sampled" : `${usage.processPct.toFixed(0)}% of a core`}, client ${fmtPct(mean(client))} busy: ${bound}` +
          (shared ? `; ${(usage.coreBusyPct! - usage.processPct!).toFixed(0)} points of the core's busy time were not charged to the server process (kernel network work in softirq, or other processes on the core).` : "."),
      });
    }
  }
  return out;
}

function flagDetail(p: PointView, flag: string): string {
  const reps = p.reps;
  switch (flag) {
    case "client-bound":
    case "not-saturated": {
      const hit = reps.filter((r) => r.flags.includes(flag as never));
      const shown = hit.length ? hit : reps;
      const per = shown.map((r) => `rep ${r.rep}: client ${fmtPct(clientBusy(r))} busy, server core ${r.server?.coreBusyPct == null ? "not sampled" : `${r.server.coreBusyPct.toFixed(0)}%`}`);
      return `${flag} (${per.join("; ")})`;
    }
    case "integrity": {
      const v = reps.reduce((a, r) => a + r.integrity.lost + r.integrity.duplicated + r.integrity.reordered + r.integrity.corrupted, 0);
      const lost = reps.reduce((a, r) => a + r.integrity.lost, 0);
      return `integrity (${fmtCount(v)} violations over ${reps.length} reps, ${fmtCount(lost)} lost)`;
    }
    case "errors": {
      const first = reps.flatMap((r) => [...r.errors, ...r.postcondition.failures])[0];
      return `errors${first ? ` (e.g. "${first.slice(0, 120)}")` : ""}`;
    }
    case "high-variance": {
      const xs = p.headline ? metricValues(p, p.headline.metric) : [];
      const m = mean(xs);
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
      return `high-variance (CV ${fmtPct(m ? sd / m : 0, 1)} over ${xs.length} reps)`;
    }
    default:
      return flag;
  }
}

function flagged(input: ReportInput): Finding[] {
  const out: Finding[] = [];
  for (const p of input.points) {
    const where = `${p.stack} ${p.scenario}${p.pointKey ? ` ${p.pointKey}` : ""}`;
    if (p.status !== "ok") {
      out.push({ kind: "flagged", scenario: p.scenario, warning: true, text: `${where}: ${p.status}${p.reason ? ` — ${p.reason}` : ""}.` });
    } else if (p.flags.length) {
      out.push({ kind: "flagged", scenario: p.scenario, warning: true, text: `${where}: ${p.flags.map((f) => flagDetail(p, f)).join("; ")}.` });
    }
    if (p.partial && p.status === "ok") out.push({ kind: "flagged", scenario: p.scenario, warning: true, text: `${where}: partial (the run was interrupted before every repetition finished).` });
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
        warning: true,
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
      warning: misses.length > 0,
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
