// The one table of validity flags: every flag's rank (excluded from the ranking or a caveat), the rule that sets it and
// its explanation. The enum, the union order, the report's ranked/caveat lists and its ⚠ legend all derive from it.
import { z } from "zod";

/** Client cores at least this busy (utilisation, 0..1) count as saturated. */
export const CLIENT_BUSY_THRESHOLD = 0.85;
/** Server below this busy % (of its pinned cores) is not the bottleneck. */
export const SERVER_BUSY_THRESHOLD_PCT = 90;
/** Coefficient of variation across repetitions above which a figure is flagged high-variance. */
export const HIGH_VARIANCE_CV = 0.1;
/**
 * A latency window whose client scheduler lag at a percentile exceeds this share of the measured latency at the same
 * percentile is client-loaded. The lag is direct evidence: each load worker sends and receives on one event loop, so
 * how late its send ticks fire is how late it also reads the echoes. The client core's busy share is not used: it
 * carries the loopback softirq of the server's replies and says nothing by itself about the client's own delay.
 */
export const CLIENT_LOADED_LAG_SHARE = 0.25;
/** A latency percentile within this factor of the platform floor's same percentile is at-floor. */
export const AT_FLOOR_FACTOR = 2;

/** How a flag affects the ranking: "exclude" keeps the figure out of it; "caveat" ranks it with a † beside it. */
export type FlagRank = "exclude" | "caveat";

/**
 * How a point's flag follows from its repetitions' (flags are computed per window): "majority" when it fired in more than
 * half of them (one disturbed window of four does not describe the point), "any" when one window is enough (a broken
 * delivery contract or an error is not outvoted by clean windows), "point" when it is judged on the point as a whole.
 */
export type PointRule = "majority" | "any" | "point";

/** One row of the flag table. */
export interface FlagSpec {
  /** Whether the flag keeps a figure out of the ranking or is a caveat printed beside a ranked figure. */
  rank: FlagRank;
  /**
   * Excluding flags only: true when the flag bounds the figure by the measurement (the client or the machine was in the
   * way) rather than by the stack; such an unranked figure that looks better hides the top of the order.
   */
  measurementBound: boolean;
  /** When the flag is set, with its thresholds. */
  rule: string;
  /** How the point's flag follows from its repetitions' (see PointRule). */
  point: PointRule;
  /** What the flag means for the figure, in one or two sentences. */
  explain: string;
}

const pct = (share: number): string => `${Math.round(share * 100)} %`;

/**
 * Every validity flag, in the order flag lists are stored and printed (unionFlags). A flag added here is in the enum,
 * the stored order, the report's ranked or caveat list and its ⚠ legend at once.
 */
export const FLAG_TABLE = {
  "client-bound": {
    point: "majority",
    rank: "exclude",
    measurementBound: true,
    rule: `client cores ≥ ${pct(CLIENT_BUSY_THRESHOLD)} busy while the server's pinned cores were < ${SERVER_BUSY_THRESHOLD_PCT} % busy (not on connections points)`,
    explain: "The figure measures the client, not the server.",
  },
  "client-loaded": {
    point: "majority",
    rank: "exclude",
    measurementBound: true,
    rule: `latency point whose client scheduler lag (the load worker's own event-loop delay) at the decided percentile (p99 where the headline is no latency percentile) exceeded ${pct(CLIENT_LOADED_LAG_SHARE)} of the measured latency at that percentile; no recorded lag is no evidence`,
    explain: "The load generator was in the way of the latency it measured.",
  },
  "at-floor": {
    point: "majority",
    rank: "exclude",
    measurementBound: true,
    rule: `latency point whose decided percentile is within ${AT_FLOOR_FACTOR}× of the platform floor's same percentile, the floor measured in the same window (worst pinned core); a point group is decided at the highest of p99, p90, p50 at which no stack is at the floor`,
    explain: "It describes the machine, not the stack.",
  },
  "not-saturated": {
    point: "majority",
    rank: "caveat",
    measurementBound: false,
    rule: `throughput point where neither the client (< ${pct(CLIENT_BUSY_THRESHOLD)}) nor the server (< ${SERVER_BUSY_THRESHOLD_PCT} %) was busy`,
    explain: "The load did not saturate anything, so the figure is a lower bound of what the stack can do.",
  },
  integrity: {
    point: "any",
    rank: "exclude",
    measurementBound: false,
    rule: "any lost, duplicated, reordered or corrupted message in the window",
    explain: "The stack broke the delivery contract, so its figure is not comparable.",
  },
  errors: {
    point: "any",
    rank: "exclude",
    measurementBound: false,
    rule: "the load generator or the harness reported an error (connection drops, unexpected closes), or a postcondition failed",
    explain: "Something went wrong in the window, so its figure is not comparable.",
  },
  "high-variance": {
    point: "point",
    rank: "caveat",
    measurementBound: false,
    rule: `coefficient of variation of the headline figure across repetitions > ${pct(HIGH_VARIANCE_CV)}`,
    explain: "The figure is spread; ranking uses ratio intervals, which account for the spread.",
  },
  "suspected-leak": {
    point: "any",
    rank: "caveat",
    measurementBound: false,
    rule: "soak: the server's RSS slope over the measured window has a 95 % interval (autocorrelation-adjusted) above zero",
    explain: "It describes the server (the slope is in the repetition's details); the latency figure is still ranked.",
  },
  "shared-core": {
    point: "any",
    rank: "caveat",
    measurementBound: false,
    rule: "cluster point whose server processes (and broker) were more than the server cores, so they shared one",
    explain: "They compete for the core, so the figure is not what one core per process gives.",
  },
} as const satisfies Record<string, FlagSpec>;

/** Validity flag attached to a measured figure; a flagged figure is never presented as a plain winner. */
export type ValidityFlag = keyof typeof FLAG_TABLE;

/** The table typed by flag (Record forces an entry for every flag). */
export const FLAGS: Readonly<Record<ValidityFlag, FlagSpec>> = FLAG_TABLE;

/** Every flag in table order: the order flag lists are stored and printed. */
export const FLAG_NAMES = Object.keys(FLAG_TABLE) as [ValidityFlag, ...ValidityFlag[]];

/** Zod schema of a validity flag. */
export const validityFlagSchema = z.enum(FLAG_NAMES);

/** Flags of one rank, in table order. */
export function flagsOfRank(rank: FlagRank): ValidityFlag[] {
  return FLAG_NAMES.filter((f) => FLAGS[f].rank === rank);
}

/**
 * Flags that keep a figure out of the ranking: those bound by the stack first (it broke the contract or failed), then
 * those bound by the measurement; this is the order a figure's exclusion reasons are listed in.
 */
export const EXCLUDING_FLAGS: readonly ValidityFlag[] = [
  ...flagsOfRank("exclude").filter((f) => !FLAGS[f].measurementBound),
  ...flagsOfRank("exclude").filter((f) => FLAGS[f].measurementBound),
];

/** Of the excluding flags, those that bound the figure by the measurement rather than by the stack (table order). */
export const MEASUREMENT_BOUND_FLAG_NAMES: readonly ValidityFlag[] = flagsOfRank("exclude").filter((f) => FLAGS[f].measurementBound);

/** Flags printed beside a ranked figure as a caveat (table order). */
export const CAVEAT_FLAG_NAMES: readonly ValidityFlag[] = flagsOfRank("caveat");

/** Flags whose point rule is `rule`, in table order. */
export function flagsOfPointRule(rule: PointRule): ValidityFlag[] {
  return FLAG_NAMES.filter((f) => FLAGS[f].point === rule);
}

/** The rule that turns repetitions' flags into a point's flag, in one sentence (printed with the flag legend). */
export const POINT_FLAG_RULE =
  `Flags are computed per repetition; a point carries ${flagsOfPointRule("any").join(", ")} when any repetition fired them, ` +
  `${flagsOfPointRule("majority").join(", ")} when more than half of its repetitions fired them (the values printed beside such a flag are those of the repetitions that fired), ` +
  `and ${flagsOfPointRule("point").join(", ")} from the spread of all its repetitions.`;
