// Schema of a measurement's knee: per repetition, the highest offered rate held within the run's SLO, and every window
// (ladder point or bisection step) the search judged on its way there.
import { z } from "zod";
import { validityFlagSchema } from "../flag-table.ts";

/** One window the knee search judged: an offered rate, what it measured and whether it met the SLO. */
export const kneeStepSchema = z.object({
  /** Offered rate of the window, msgs/s in total. */
  rateMsgsPerSec: z.number(),
  /** "ladder": a point of the scenario's ladder (its repetition is in the point); "bisect": an extra window between the last rate that met the SLO and the first that did not. */
  phase: z.enum(["ladder", "bisect"]),
  /** True when the window met the SLO and lost nothing (see KNEE_RULE in the runner's knee module). */
  pass: z.boolean(),
  /** Corrected p99 latency of the window, µs, or null when no message arrived. */
  p99Us: z.number().nullable(),
  /** p99 wake-up lateness of the worst pinned core's floor probe in the same window, µs, or null when not measured. */
  floorP99Us: z.number().nullable(),
  /** Received over offered messages per second in the window (1 = everything offered came back within the window). */
  receivedShare: z.number(),
  /** Why the window did not pass, one item per unmet condition (empty when it passed). */
  failures: z.array(z.string()),
  /** Validity flags of the window (the same rule as a point's repetition). */
  flags: z.array(validityFlagSchema),
});
export type KneeStepRecord = z.infer<typeof kneeStepSchema>;

/** The knee of one repetition. */
export const kneeRepetitionSchema = z.object({
  /** Repetition index, 0-based (the same as the points' repetitions). */
  rep: z.number(),
  /**
   * Highest offered rate that passed below the lowest rate that failed, msgs/s; null when no judged rate passed (the
   * knee is below the lowest one tried).
   */
  rateMsgsPerSec: z.number().nullable(),
  /** True when no judged rate failed: the knee is at least rateMsgsPerSec (the ladder ended first). */
  atLeast: z.boolean(),
  /** Lowest offered rate that failed, msgs/s, or null when none failed: the knee lies in [rateMsgsPerSec, failedRateMsgsPerSec). */
  failedRateMsgsPerSec: z.number().nullable(),
  /** Every judged window in the order it ran: the ladder's points first, then the bisection steps. */
  steps: z.array(kneeStepSchema),
});
export type KneeRepetitionRecord = z.infer<typeof kneeRepetitionSchema>;

/** A measurement's knee search (rate-ladder scenarios: echo-latency); absent in other scenarios and older sets. */
export const kneeSchema = z.object({
  /** The SLO every window was judged by, as given to `wsarena run --slo` (normalised criteria text, e.g. "p99<5ms"). */
  slo: z.string(),
  /** Smallest share of the offered rate a window must receive to pass. */
  minReceivedShare: z.number(),
  /** Bisection stops once failed / passed rate ≤ this ratio... */
  maxRatio: z.number(),
  /** ...or after this many bisection windows per repetition. */
  maxBisectSteps: z.number(),
  /** One knee per finished repetition, in run order. */
  reps: z.array(kneeRepetitionSchema),
});
export type KneeRecord = z.infer<typeof kneeSchema>;
