// Sustainable rate (the knee of a rate ladder): per stack, the highest offered rate held within the run's SLO with
// nothing lost, its interval across repetitions, and the stacks ranked by it (higher is better) with rank.ts.
import type { KneeRecord, KneeRepetitionRecord, ValidityFlag } from "@wsarena/results";
import { varianceFlags } from "@wsarena/results";
import { geoMean, meanInterval, type Interval } from "@wsarena/stats";
import { fmtCount } from "./format.ts";
import type { KneeView, ReportInput } from "./model.ts";
import { formatVerdict, MEASUREMENT_BOUND_FLAGS, rankPoint, type RankEntry, type Verdict } from "./rank.ts";
import type { Cell, Table } from "./tables.ts";

/** One stack's knee across the repetitions of one measurement. */
export interface KneeSummary {
  stack: string;
  scenario: string;
  /** The SLO its windows were judged by, e.g. "p99<5ms". */
  slo: string;
  /** The measurement's knee record. */
  record: KneeRecord;
  /** Status of the measurement. */
  status: KneeView["status"];
  /** Knees of the repetitions that bracketed one (a passing rate below a failing one), msgs/s. */
  values: number[];
  /** Geometric mean of `values`, msgs/s, or null when none. */
  geoMean: number | null;
  /** 95 % t-interval of the geometric mean (on logs), msgs/s; null with fewer than two values. */
  interval: Interval | null;
  /** Flags of the knee: measurement-bound flags of the windows that bounded it from above, and high-variance across repetitions. */
  flags: ValidityFlag[];
  /** Why the knee cannot be ranked beside a flag (status, above the ladder, below every rate tried), or null. */
  excluded: string | null;
}

/** The first rate-ladder scenario with a knee in the set, or null. */
export function kneeScenario(input: ReportInput): string | null {
  return input.scenarios.find((s) => (input.knees ?? []).some((k) => k.scenario === s)) ?? null;
}

function summaryOf(k: KneeView): KneeSummary {
  const reps = k.knee.reps;
  const values = reps.flatMap((r) => (r.rateMsgsPerSec !== null && !r.atLeast ? [r.rateMsgsPerSec] : []));
  const above = reps.filter((r) => r.atLeast);
  const below = reps.filter((r) => r.rateMsgsPerSec === null);
  // A failure of a window bounded by the measurement (client-loaded, at-floor...) says where the machine gave out, not the server.
  const bounding = reps.flatMap((r) => r.steps.filter((s) => !s.pass && s.rateMsgsPerSec === r.failedRateMsgsPerSec).flatMap((s) => s.flags));
  const flags = [...new Set([...MEASUREMENT_BOUND_FLAGS.filter((f) => bounding.includes(f)), ...varianceFlags(values)])];
  let excluded: string | null = null;
  if (k.status !== "ok") excluded = k.status;
  else if (!reps.length) excluded = "no finished repetition";
  else if (above.length)
    excluded = `no rate tried failed in ${above.length} of ${reps.length} repetitions (at least ${fmtCount(Math.max(...above.map((r) => r.rateMsgsPerSec!)))} msg/s)`;
  else if (below.length) excluded = `the SLO was not met at the lowest rate tried in ${below.length} of ${reps.length} repetitions`;
  const logs = values.map(Math.log);
  const li = values.length >= 2 ? meanInterval(logs) : null;
  return {
    stack: k.stack,
    scenario: k.scenario,
    slo: k.knee.slo,
    record: k.knee,
    status: k.status,
    values,
    geoMean: values.length ? geoMean(values) : null,
    interval: li ? { low: Math.exp(li.low), high: Math.exp(li.high) } : null,
    flags,
    excluded,
  };
}

/** Knee summaries of `scenario` (default: the first with a knee), by stack id. */
export function kneeSummaries(input: ReportInput, scenario = kneeScenario(input)): KneeSummary[] {
  return (input.knees ?? [])
    .filter((k) => k.scenario === scenario)
    .map(summaryOf)
    .sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
}

/** The stacks ranked by their knees (rank.ts's rule; higher is better). */
export function kneeVerdict(sums: readonly KneeSummary[]): Verdict {
  const entries: RankEntry[] = sums.map((s) => ({ stack: s.stack, values: s.values, flags: s.flags, excluded: s.excluded }));
  return rankPoint(entries, "higher");
}

/** A repetition's knee as its bracket: "28.3k (<40k)", "≥80k", "<5k". */
export function kneeRepText(r: KneeRepetitionRecord): string {
  if (r.rateMsgsPerSec === null) return r.failedRateMsgsPerSec !== null ? `<${fmtCount(r.failedRateMsgsPerSec)}` : "–";
  if (r.atLeast) return `≥${fmtCount(r.rateMsgsPerSec)}`;
  return `${fmtCount(r.rateMsgsPerSec)} (<${fmtCount(r.failedRateMsgsPerSec!)})`;
}

/** A stack's sustainable rate for a table cell: "38.2k msg/s", with the repetitions that only bound it ("1 of 3 <5.00k"). */
export function kneeText(s: KneeSummary): string {
  const reps = s.record.reps;
  const bounds = reps.filter((r) => r.atLeast || r.rateMsgsPerSec === null).map(kneeRepText);
  if (s.geoMean === null) return bounds.length ? `${[...new Set(bounds)].join(", ")} msg/s` : "–";
  const value = `${fmtCount(s.geoMean)} msg/s`;
  return bounds.length ? `${value} (${bounds.length} of ${reps.length} reps ${[...new Set(bounds)].join(", ")})` : value;
}

/**
 * What a table marks beside a knee (⚠): a failed measurement's status, else the measurement-bound flags of its failing
 * windows. A bound (≥, <) is no mark: the text shows it, and the verdict says why it is not ranked.
 */
export function kneeWarnings(s: KneeSummary): string[] {
  return s.status !== "ok" ? [s.status] : s.flags.filter((f) => MEASUREMENT_BOUND_FLAGS.includes(f));
}

/** Why the lowest failing rate of each repetition failed (its first unmet condition), e.g. "40k: p99<5ms: 7.2ms". */
function boundText(s: KneeSummary): string {
  const why = s.record.reps.flatMap((r) => {
    const f = r.steps.find((x) => !x.pass && x.rateMsgsPerSec === r.failedRateMsgsPerSec);
    return f ? [`${fmtCount(f.rateMsgsPerSec)}: ${f.failures[0] ?? "failed"}${f.flags.length ? ` [${f.flags.join(", ")}]` : ""}`] : [];
  });
  return why.length ? why.join("; ") : "no rate tried failed";
}

/** How the knee was found and judged, from the record itself (old and new sets state their own rule). */
export function kneeRuleNote(r: KneeRecord): string {
  return (
    `Sustainable rate @ ${r.slo}: a window passes when it meets ${r.slo}, loses nothing (no lost, duplicated, reordered or corrupted message, failed connect, unexpected close or server drop) and receives at least ${r.minReceivedShare * 100} % of the offered rate. ` +
    `Per repetition, after the ladder, the offered rate is bisected (geometric midpoint) between the highest passing rate below the lowest failing one and that failing rate, until they are within ×${r.maxRatio} or after ${r.maxBisectSteps} windows; the knee is the highest passing rate, shown with the failing rate above it. ` +
    "The interval is the 95 % t-interval of the geometric mean over repetitions (on logs); the verdict ranks the stacks by the pooled rule of every point (higher is better). " +
    "A knee whose failing window was client-bound, client-loaded or at the floor is where the machine gave out, not the server: it is not ranked."
  );
}

/** The echo-latency section's sustainable-rate table, or null when the set has no knee for `scenario`. */
export function kneeTable(input: ReportInput, scenario: string): Table | null {
  const sums = kneeSummaries(input, scenario);
  if (!sums.length) return null;
  const verdict = kneeVerdict(sums);
  const cell = (text: string, num = false): Cell => ({ text, warn: [], num });
  const rows = sums.map((s): Cell[] => {
    const warn = kneeWarnings(s);
    const caveat = s.flags.filter((f) => !MEASUREMENT_BOUND_FLAGS.includes(f));
    return [
      cell(s.stack),
      { text: kneeText(s), warn, num: true, caveat, best: verdict.winner === s.stack },
      cell(s.interval ? `${fmtCount(s.interval.low)}–${fmtCount(s.interval.high)}` : "–", true),
      cell(s.record.reps.map(kneeRepText).join(", ")),
      cell(boundText(s)),
    ];
  });
  return {
    headers: ["Stack", `Sustainable rate @ ${sums[0]!.slo}`, "95 % interval", "Per repetition (msg/s)", "Lowest failing rate: why"],
    rows,
    notes: [`Verdict (higher is better): ${formatVerdict(verdict)}.`, kneeRuleNote(sums[0]!.record)],
  };
}
