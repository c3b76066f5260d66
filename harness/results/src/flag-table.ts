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
 * A latency point whose client core is at least this busy (0..1) is client-loaded: open-loop senders queue behind their
 * own work long before the core is full (issue 9: 87 % busy gave echo p99 71 ms where 25 % busy gave 2.7 ms).
 */
export const CLIENT_LOADED_BUSY = 0.5;
/** A latency point whose client scheduler-lag p99 exceeds this share of the measured p99 is client-loaded. */
export const CLIENT_LOADED_LAG_SHARE = 0.25;
/** A latency percentile within this factor of the platform floor's same percentile is at-floor. */
export const AT_FLOOR_FACTOR = 2;

/** How a flag affects the ranking: "exclude" keeps the figure out of it; "caveat" ranks it with a † beside it. */
export type FlagRank = "exclude" | "caveat";

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
    rank: "exclude",
    measurementBound: true,
    rule: `client cores ≥ ${pct(CLIENT_BUSY_THRESHOLD)} busy while the server's pinned cores were < ${SERVER_BUSY_THRESHOLD_PCT} % busy (not on connections points)`,
    explain: "The figure measures the client, not the server.",
  },
  "client-loaded": {
    rank: "exclude",
    measurementBound: true,
    rule: `latency point whose client core was ≥ ${pct(CLIENT_LOADED_BUSY)} busy, or whose scheduler-lag p99 exceeded ${pct(CLIENT_LOADED_LAG_SHARE)} of the measured p99`,
    explain: "The load generator was in the way of the latency it measured.",
  },
  "at-floor": {
    rank: "exclude",
    measurementBound: true,
    rule: `latency point whose headline percentile is within ${AT_FLOOR_FACTOR}× of the platform floor's same percentile`,
    explain: "It describes the machine, not the stack.",
  },
  "not-saturated": {
    rank: "caveat",
    measurementBound: false,
    rule: `throughput point where neither the client (< ${pct(CLIENT_BUSY_THRESHOLD)}) nor the server (< ${SERVER_BUSY_THRESHOLD_PCT} %) was busy`,
    explain: "The load did not saturate anything, so the figure is a lower bound of what the stack can do.",
  },
  integrity: {
    rank: "exclude",
    measurementBound: false,
    rule: "any lost, duplicated, reordered or corrupted message in the window",
    explain: "The stack broke the delivery contract, so its figure is not comparable.",
  },
  errors: {
    rank: "exclude",
    measurementBound: false,
    rule: "the load generator or the harness reported an error (connection drops, unexpected closes), or a postcondition failed",
    explain: "Something went wrong in the window, so its figure is not comparable.",
  },
  "high-variance": {
    rank: "caveat",
    measurementBound: false,
    rule: `coefficient of variation of the headline figure across repetitions > ${pct(HIGH_VARIANCE_CV)}`,
    explain: "The figure is spread; ranking uses ratio intervals, which account for the spread.",
  },
  "suspected-leak": {
    rank: "caveat",
    measurementBound: false,
    rule: "soak: the server's RSS slope over the measured window has a 95 % interval (autocorrelation-adjusted) above zero",
    explain: "It describes the server (the slope is in the repetition's details); the latency figure is still ranked.",
  },
  "shared-core": {
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
