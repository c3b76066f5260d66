// Ranks stacks at one scenario point by ratio intervals from a variance pooled over the point's stacks, Holm-controlled:
// an order with tie groups, each `>` with its interval, and the stacks left out with why. Shared by the report and the CLI.
import { geoMean, pooledPairwiseRatios, ratioOfMeans, type PooledRatioEstimate, type RatioEstimate } from "@wsarena/stats";
import { CAVEAT_FLAG_NAMES, EXCLUDING_FLAGS, MEASUREMENT_BOUND_FLAG_NAMES, type RepetitionRecord, type ValidityFlag } from "@wsarena/results";
import { metricValue } from "./model.ts";
import { groupOrder } from "./order.ts";

/**
 * Flags that keep a figure out of the ranking: the figure is not a property of the server (the client or the machine's
 * floor set it: client-bound, client-loaded, at-floor) or the server did not do the work (integrity, errors).
 */
export const UNRANKED_FLAGS: readonly ValidityFlag[] = EXCLUDING_FLAGS;

/**
 * Of the unranked flags, those that bound the figure by the measurement rather than by the stack: a stack so flagged
 * may be better than its figure, so when its figure beats the would-be winner no winner is named. A stack with
 * integrity violations or errors did not do the same work, so it never blocks a winner.
 */
export const MEASUREMENT_BOUND_FLAGS: readonly ValidityFlag[] = MEASUREMENT_BOUND_FLAG_NAMES;

/** Flags printed beside a ranked figure as a caveat: the ratio interval already accounts for the spread behind them. */
export const CAVEAT_FLAGS: readonly ValidityFlag[] = CAVEAT_FLAG_NAMES;

/** The ranking rule in one paragraph, printed in reports and the README. */
export const RANKING_RULE =
  "Stacks are sorted by the geometric mean of their repetitions. Each pair's ratio has an interval from a t-test on log values whose variance is pooled over all ranked stacks of the point (df = repetitions − stacks), so two repetitions per stack can decide: " +
  "a stack's own variance replaces the pool's where it is larger (the pool is a floor: a near-zero spread decides nothing by itself), and a stack whose variance is far above the others' (one-sided F-test at 1 %) is kept out of the pool, so its spread widens only its own pairs. " +
  'Holm–Bonferroni over all pairs of the point keeps the chance of any wrongly decided pair at 5 %; each interval is printed at its Holm level, which its label states (e.g. "99.5 % CI": 95 % family-wise over the point\'s pairs). ' +
  "A latency point is ranked at the highest of p99, p90, p50 at which every stack stands clear of the floor measured in its windows (not within 2× of it in more than half of its repetitions), and the verdict names that percentile. " +
  "A tie group `{a ≈ b}` never holds a decided pair and `>` separates groups; where the decided pairs do not form such a linear grouping, the undecided pairs across a `>` are listed after the verdict (not a linear order). " +
  "A winner is named when the first group has one stack, decided against every other, and no unranked stack's figure bounded by the measurement (client-bound, client-loaded, at-floor) looks better. " +
  "high-variance, not-saturated, suspected-leak and shared-core are caveats printed beside the figure; integrity, errors, client-bound, client-loaded and at-floor keep a figure out of the ranking.";

/** One stack's figure at a point, as ranking needs it. */
export interface RankEntry {
  stack: string;
  /** Headline values of the repetitions (non-positive values are ignored: the ratio is taken on logs). */
  values: readonly number[];
  /** Validity flags of the point. */
  flags: readonly ValidityFlag[];
  /** A reason outside the flags to leave the figure out (e.g. a failed status), or null. */
  excluded?: string | null;
}

/** A ranked stack. */
export interface RankedStack {
  stack: string;
  /** Geometric mean of the repetition values. */
  geoMean: number;
  /** Repetitions. */
  n: number;
  /** 0-based index of its tie group (0 = the best group). */
  group: number;
  /** Caveat flags printed beside the figure. */
  caveats: ValidityFlag[];
}

/** A stack left out of the ranking. */
export interface UnrankedStack {
  stack: string;
  /** Geometric mean of its values (NaN when none). */
  geoMean: number;
  /** Unranking flags it carries (empty when `reason` is outside the flags). */
  flags: ValidityFlag[];
  /** Why it is left out, e.g. "client-bound" or "errored". */
  reason: string;
}

/** Advantage of the better stack of a pair: ratio ≥ 1 means "that many times better" (higher throughput or lower latency). */
export interface PairAdvantage {
  better: string;
  worse: string;
  /** Ratio of geometric means in the better direction, with its interval at the pair's Holm level (`level`) and adjusted p-value. */
  estimate: PooledRatioEstimate;
}

/** The verdict of one point. */
export interface Verdict {
  /** Whether higher or lower values are better. */
  better: "higher" | "lower";
  /** Ranked stacks, best first (geometric mean order). */
  ranked: RankedStack[];
  /** Tie groups, best first: stack ids in geometric-mean order. */
  groups: string[][];
  /** One per `>` between groups[i] and groups[i + 1]: the decided pair between the two groups with the smallest advantage. */
  cuts: PairAdvantage[];
  /** Pairs in different groups whose interval includes 1: non-empty only when the decided pairs are not a linear grouping. */
  undecidedAcross: PairAdvantage[];
  /** Ranked stacks kept out of the pooled variance because their spread is far wider than the others' (judged with their own). */
  wide: string[];
  /** Stacks left out, with why. */
  unranked: UnrankedStack[];
  /** The stack the data decides is best, or null. */
  winner: string | null;
  /** Why no winner is named (null when there is one). */
  noDecision: string | null;
}

/** Advantage of `a` over `b` (ratio ≥ 1 when a's geometric mean is better). */
export function advantage(a: RankEntry, b: RankEntry, better: "higher" | "lower"): RatioEstimate {
  return better === "higher" ? ratioOfMeans(b.values, a.values) : ratioOfMeans(a.values, b.values);
}

function positive(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v) && v > 0);
}

/** Ranks the entries of one point (see RANKING_RULE). Pure; entries are not mutated. */
export function rankPoint(entries: readonly RankEntry[], better: "higher" | "lower"): Verdict {
  const unranked: UnrankedStack[] = [];
  const candidates: (RankEntry & { gm: number })[] = [];
  for (const e of entries) {
    const vals = positive(e.values);
    const gm = vals.length ? geoMean(vals) : NaN;
    const bad = UNRANKED_FLAGS.filter((f) => e.flags.includes(f));
    if (e.excluded) unranked.push({ stack: e.stack, geoMean: gm, flags: bad, reason: e.excluded });
    else if (bad.length) unranked.push({ stack: e.stack, geoMean: gm, flags: bad, reason: bad.join(", ") });
    else if (!vals.length) unranked.push({ stack: e.stack, geoMean: gm, flags: [], reason: "no measured value" });
    else candidates.push({ ...e, values: vals, gm });
  }
  const sign = better === "higher" ? -1 : 1;
  candidates.sort((a, b) => sign * (a.gm - b.gm) || (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
  const k = candidates.length;
  // adv(i, j): advantage of the i-th over the j-th (ratio ≥ 1 for i < j, the order being by geometric mean).
  const { pool, ratios } = pooledPairwiseRatios(candidates.map((c) => c.values));
  const adv = (i: number, j: number): PooledRatioEstimate => (better === "higher" ? ratios[j]![i]! : ratios[i]![j]!);
  const decided = (i: number, j: number): boolean => adv(i, j).interval.low > 1;
  const pairOf = (i: number, j: number): PairAdvantage => ({ better: candidates[i]!.stack, worse: candidates[j]!.stack, estimate: adv(i, j) });
  const grouping = groupOrder(k, decided);
  const groups = grouping.groups;
  // Each `>` shows the closest decided pair between its two groups (the groups would merge if none were decided).
  const cuts = groups.slice(1).map((g, x) => {
    const pairs = groups[x]!.flatMap((i) => g.filter((j) => decided(i, j)).map((j) => pairOf(i, j)));
    return pairs.reduce((a, b) => (b.estimate.ratio < a.estimate.ratio ? b : a));
  });
  const undecidedAcross = grouping.undecidedAcross.map(([i, j]) => pairOf(i, j));
  const ranked: RankedStack[] = candidates.map((c, i) => ({
    stack: c.stack,
    geoMean: c.gm,
    n: c.values.length,
    group: groups.findIndex((g) => g.includes(i)),
    caveats: CAVEAT_FLAGS.filter((f) => c.flags.includes(f)),
  }));
  const groupIds = groups.map((g) => g.map((i) => candidates[i]!.stack));
  let winner: string | null = null;
  let noDecision: string | null = null;
  // An unranked figure bounded by the measurement that looks better than the best ranked one hides the top of the order.
  const hiding = unranked.filter(
    (u) => u.flags.some((f) => MEASUREMENT_BOUND_FLAGS.includes(f)) && Number.isFinite(u.geoMean) && (k === 0 || sign * (u.geoMean - candidates[0]!.gm) < 0),
  );
  if (k === 0) noDecision = entries.length ? "no figure can be ranked" : "nothing was measured";
  else if (hiding.length) {
    const who = hiding.map((u) => `${u.stack}'s`);
    const names = who.length === 1 ? who[0]! : `${who.slice(0, -1).join(", ")} and ${who[who.length - 1]!}`;
    const why = [...new Set(hiding.flatMap((u) => u.flags.filter((f) => MEASUREMENT_BOUND_FLAGS.includes(f))))].join(", ");
    noDecision = `${names} ${hiding.length === 1 ? "figure looks" : "figures look"} better than ${candidates[0]!.stack}'s but ${hiding.length === 1 ? "is not a server property" : "are not server properties"} (${why})`;
  } else if (k === 1) noDecision = `only ${candidates[0]!.stack} can be ranked`;
  else if (groups[0]!.length > 1) {
    const top = groups[0]!;
    const near = adv(top[0]!, top[1]!);
    noDecision = `tie at the top: {${groupIds[0]!.join(" ≈ ")}} (${candidates[top[0]!]!.stack} vs ${candidates[top[1]!]!.stack} ${fmtAdvantage(near)}, includes 1)`;
  } else if (undecidedAcross.some((p) => p.better === candidates[0]!.stack)) {
    const open = undecidedAcross.filter((p) => p.better === candidates[0]!.stack);
    noDecision = `${candidates[0]!.stack} is not decided against ${open.map((p) => p.worse).join(", ")} (${open[0]!.worse}: ${fmtAdvantage(open[0]!.estimate)}, includes 1)`;
  } else winner = candidates[0]!.stack;
  const wide = pool.wide.map((i) => candidates[i]!.stack);
  return { better, ranked, groups: groupIds, cuts, undecidedAcross, wide, unranked, winner, noDecision };
}

/** A ratio as "×1.93" (3 significant digits). */
export function fmtTimes(ratio: number): string {
  if (!Number.isFinite(ratio)) return "∞";
  if (ratio >= 100) return `×${ratio.toFixed(0)}`;
  if (ratio >= 10) return `×${ratio.toFixed(1)}`;
  return `×${ratio.toFixed(2)}`;
}

/** Interval bounds beyond these print as "<0.01" and ">1000": the interval says nothing useful there. */
export const BOUND_DISPLAY_MIN = 0.01;
export const BOUND_DISPLAY_MAX = 1000;

function fmtBound(x: number): string {
  if (!(x >= BOUND_DISPLAY_MIN)) return `<${BOUND_DISPLAY_MIN}`;
  if (!(x <= BOUND_DISPLAY_MAX)) return `>${BOUND_DISPLAY_MAX}`;
  return fmtTimes(x).slice(1);
}

/** "98.3 %" for a confidence level: rounded down to 0.1 %, so the label never claims more than the interval holds. */
export function fmtLevel(level: number): string {
  return `${Math.floor(level * 1000 + 1e-6) / 10} %`;
}

/**
 * "×1.90, 99.2 % CI 1.70–2.10": the interval at the level it was computed at (a verdict's pair: its Holm level, so that
 * the point's pairs together hold 95 %; a plain ratio: 95 %), or "no interval" when there is no spread to judge by.
 */
export function fmtAdvantage(e: RatioEstimate & { level?: number }): string {
  if (e.interval.low === 0 && e.interval.high === Infinity) return `${fmtTimes(e.ratio)}, no interval with ${Math.min(e.nA, e.nB)} rep`;
  return `${fmtTimes(e.ratio)}, ${fmtLevel(e.level ?? 0.95)} CI ${fmtBound(e.interval.low)}–${fmtBound(e.interval.high)}`;
}

/** Options of formatVerdict; never mutated. */
export interface VerdictFormat {
  /** Text beside a ranked stack with caveats, e.g. "high-variance, CV 14 %"; defaults to the flag names. */
  caveat?: (stack: string, flags: readonly ValidityFlag[]) => string;
  /** Text of an unranked stack's reason; defaults to UnrankedStack.reason. */
  reason?: (u: UnrankedStack) => string;
}

/**
 * The verdict as one line: `bun > uws (×1.90, 99.2 % CI 1.70–2.10) > {ws ≈ deno} (uws/ws ×9.80, 98.3 % CI 8.10–11.9)`,
 * then caveats, undecided pairs across a `>` (when the order is not linear), stacks judged by their own wide spread and
 * the unranked stacks with their reasons.
 */
export function formatVerdict(v: Verdict, f: VerdictFormat = {}): string {
  const name = (s: string): string => s;
  const group = (g: string[]): string => (g.length === 1 ? name(g[0]!) : `{${g.map(name).join(" ≈ ")}}`);
  let line = "";
  v.groups.forEach((g, i) => {
    if (i === 0) {
      line = group(g);
      return;
    }
    const cut = v.cuts[i - 1]!;
    const pair = v.groups[i - 1]!.length > 1 || g.length > 1 ? `${cut.better}/${cut.worse} ` : "";
    line += ` > ${group(g)} (${pair}${fmtAdvantage(cut.estimate)})`;
  });
  const parts: string[] = [line || "no stack ranked"];
  const caveats = v.ranked.filter((r) => r.caveats.length);
  if (caveats.length) parts.push(`caveats: ${caveats.map((r) => `${r.stack} ${f.caveat ? f.caveat(r.stack, r.caveats) : r.caveats.join(", ")}`).join("; ")}`);
  if (v.undecidedAcross.length)
    parts.push(
      `not a linear order, undecided across a \`>\`: ${v.undecidedAcross.map((p) => `${p.better} vs ${p.worse} (${fmtAdvantage(p.estimate)})`).join("; ")}`,
    );
  if (v.wide.length) parts.push(`spread far wider than the others', judged alone: ${v.wide.join(", ")}`);
  if (v.unranked.length) parts.push(`unranked: ${v.unranked.map((u) => `${u.stack} (${f.reason ? f.reason(u) : u.reason})`).join("; ")}`);
  return parts.join("; ");
}

/** The ranking entry of a stack's point: its repetitions' values of `metric` and its flags (status not ok leaves it out). */
export function rankEntry(stack: string, reps: readonly RepetitionRecord[], metric: string, flags: readonly ValidityFlag[], status = "ok"): RankEntry {
  const values = reps.map((r) => metricValue(r, metric)).filter((v): v is number => v !== null && Number.isFinite(v));
  return { stack, values, flags, excluded: status === "ok" ? null : status };
}
