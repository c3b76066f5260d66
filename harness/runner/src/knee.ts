// The knee of a rate ladder: per repetition, the highest offered rate held within the SLO with nothing lost, found by
// bisecting (capacity's ladder helpers) between the last ladder rate that passed and the first that failed.
import {
  CRITERION_KEYS,
  CriteriaError,
  checkCriteria,
  parseCriteria,
  type Criterion,
  type KneeRecord,
  type KneeRepetitionRecord,
  type KneeStepRecord,
  type RepetitionRecord,
} from "@wsarena/results";
import { bracket, nextLevel, type LevelOutcome } from "./capacity/ladder.ts";
import { stepErrors, stepMeasures } from "./capacity/run.ts";
import type { Profile, Scenario, ScenarioPoint } from "./scenarios/types.ts";

/** SLO of `wsarena run` when --slo is not given: the p99 an interactive application asks of an echo. */
export const DEFAULT_SLO = "p99<5ms";
/** A window passes only when it received at least this share of the offered rate (the rest is queued or lost). */
export const KNEE_MIN_RECEIVED_SHARE = 0.95;
/** Bisection stops once the failed rate is within this factor of the passed one (10 % resolution)... */
export const KNEE_MAX_RATIO = 1.1;
/**
 * ...or after this many bisection windows per repetition. Quick affords none: with the fixed-rate cpu point added, its
 * second rate and a bisection step put the six-stack quick run past its 4-minute budget, so the knee is a standard
 * and full figure (quick's single rate gives only a bound).
 */
export const KNEE_BISECT_STEPS: Readonly<Record<Profile, number>> = Object.freeze({ quick: 0, standard: 4, full: 6 });
/** Bisected rates are rounded to multiples of this, msgs/s (keeps point keys readable; far below the 10 % resolution). */
export const KNEE_RATE_GRANULARITY = 100;
/** The rule a window is judged by, for the report's method notes and the CLI's help. */
export const KNEE_RULE =
  "a window passes when it meets every SLO criterion, loses nothing (no lost, duplicated, reordered or corrupted message, failed connect, unexpected close or server drop) " +
  `and received at least ${KNEE_MIN_RECEIVED_SHARE * 100} % of the offered rate; the knee is the highest passing rate below the lowest failing one`;

/** How a rate-ladder scenario builds a window at any offered rate (the bisection's rates are not points of its plan). */
export interface KneeSpec {
  /** A point offering `rateMsgsPerSec` in total, with the connections and timing a bisection window of `profile` uses. */
  pointAt(rateMsgsPerSec: number, profile: Profile): ScenarioPoint;
}

/** A scenario whose ladder gets a knee search. */
export interface KneeScenario extends Scenario {
  knee: KneeSpec;
}

/** Whether a scenario's ladder gets a knee search. */
export function hasKnee(s: Scenario): s is KneeScenario {
  return typeof (s as Partial<KneeScenario>).knee?.pointAt === "function";
}

/** Parses an SLO with the capacity criteria grammar (@wsarena/results parseCriteria); throws a one-line CriteriaError naming --slo. */
export function parseSlo(text: string): Criterion[] {
  if (text.trim() === "")
    throw new CriteriaError(`--slo is empty; expected e.g. "${DEFAULT_SLO}" (criteria as for wsarena capacity: ${CRITERION_KEYS.join(", ")})`);
  try {
    return parseCriteria(text);
  } catch (e) {
    throw new CriteriaError(`--slo "${text}": ${(e as Error).message}`);
  }
}

/** The run's SLO: --slo, else DEFAULT_SLO. */
export function sloOf(opts: { slo?: readonly Criterion[] }): readonly Criterion[] {
  return opts.slo ?? parseSlo(DEFAULT_SLO);
}

/** Judges one window offered `rateMsgsPerSec` against the SLO (see KNEE_RULE). Pure. */
export function judgeWindow(rateMsgsPerSec: number, rec: RepetitionRecord, slo: readonly Criterion[], phase: KneeStepRecord["phase"]): KneeStepRecord {
  const receivedShare = rateMsgsPerSec > 0 ? rec.msgsPerSec / rateMsgsPerSec : 0;
  const parts = stepErrors(rec);
  const errors = parts.connectFailed + parts.unexpectedCloses + parts.integrity + parts.serverDropped;
  const failures = [
    ...checkCriteria(slo, stepMeasures(rec, errors)).map((f) => `${f.criterion}: ${f.measuredText}`),
    ...(errors > 0
      ? [
          `lost or failed: ${parts.integrity} integrity violations, ${parts.connectFailed} failed connects, ${parts.unexpectedCloses} unexpected closes, ${parts.serverDropped} dropped by the server`,
        ]
      : []),
    ...(receivedShare < KNEE_MIN_RECEIVED_SHARE
      ? [`received ${(receivedShare * 100).toFixed(1)} % of the offered rate (< ${KNEE_MIN_RECEIVED_SHARE * 100} %)`]
      : []),
  ];
  const floors = rec.floor.map((f) => f.lateness.summary.p99Us);
  return {
    rateMsgsPerSec,
    phase,
    pass: failures.length === 0,
    p99Us: rec.latency && rec.latency.count > 0 ? rec.latency.p99Us : null,
    floorP99Us: floors.length ? Math.max(...floors) : null,
    receivedShare,
    failures,
    flags: [...rec.flags],
  };
}

function outcomes(steps: readonly KneeStepRecord[]): LevelOutcome[] {
  return steps.map((s) => ({ users: s.rateMsgsPerSec, phase: s.phase, pass: s.pass }));
}

/** The next rate to bisect at, or null when the bracket is narrow enough, the steps are spent or nothing failed. Pure. */
export function nextKneeRate(steps: readonly KneeStepRecord[], maxBisectSteps: number, maxRatio = KNEE_MAX_RATIO): number | null {
  const next = nextLevel([], outcomes(steps), null, { maxRatio, maxBisectSteps, granularity: KNEE_RATE_GRANULARITY });
  return next?.phase === "bisect" ? next.users : null;
}

/** The knee of one repetition from its judged windows. Pure. */
export function kneeOf(rep: number, steps: readonly KneeStepRecord[]): KneeRepetitionRecord {
  const { lo, hi } = bracket(outcomes(steps));
  return { rep, rateMsgsPerSec: lo > 0 ? lo : null, atLeast: hi === null && lo > 0, failedRateMsgsPerSec: hi, steps: [...steps] };
}

/**
 * Bisects after the ladder: `ladder` holds the judged ladder windows of one repetition; `measure` runs one window at a
 * rate and returns it judged (null when the run was interrupted: the search stops there). Returns every judged window.
 */
export async function searchKnee(
  ladder: readonly KneeStepRecord[],
  measure: (rateMsgsPerSec: number) => Promise<KneeStepRecord | null>,
  maxBisectSteps: number,
): Promise<KneeStepRecord[]> {
  const steps = [...ladder];
  for (let rate = nextKneeRate(steps, maxBisectSteps); rate !== null; rate = nextKneeRate(steps, maxBisectSteps)) {
    const step = await measure(rate);
    if (!step) break;
    steps.push(step);
  }
  return steps;
}

/** An empty knee record of a measurement judged by `slo` in `profile`. */
export function emptyKneeRecord(slo: readonly Criterion[], profile: Profile): KneeRecord {
  return {
    slo: slo.map((c) => c.text).join(","),
    minReceivedShare: KNEE_MIN_RECEIVED_SHARE,
    maxRatio: KNEE_MAX_RATIO,
    maxBisectSteps: KNEE_BISECT_STEPS[profile],
    reps: [],
  };
}
