// `details` of a slow-consumer repetition: server RSS over time with its slope, and what the slow consumers counted.
import type { BackpressurePolicy } from "@wsarena/protocol";
import { z } from "zod";

/** Backpressure policy of the server (protocol BackpressurePolicy), or "none" for the baseline without a slow consumer. */
export const slowConsumerPolicySchema = z.enum(["drop", "close", "buffer", "none"] as const satisfies ReadonlyArray<BackpressurePolicy | "none">);

/** A least-squares slope with its autocorrelation-adjusted 95 % interval (mirrors @wsarena/stats SlopeFit). */
export const slopeFitSchema = z.object({
  /** Samples fitted. */
  n: z.number(),
  /** Slope, value units per second. */
  perSec: z.number(),
  /** Lower end of the 95 % interval of the slope, value units per second. */
  ciLowPerSec: z.number(),
  /** Upper end of the 95 % interval of the slope, value units per second. */
  ciHighPerSec: z.number(),
  /** Lag-1 autocorrelation of the residuals (clamped to [0, 0.95]). */
  autocorrelation: z.number(),
  /** Samples worth of independent information: n·(1−ρ)/(1+ρ). */
  effectiveN: z.number(),
});
export type SlopeFitRecord = z.infer<typeof slopeFitSchema>;

/** A time series point: [ms after the series' start, value]. */
export const timedValueSchema = z.tuple([z.number(), z.number()]);

/** What one slow-consumer point stores in its repetition's `details`. */
export const slowConsumerDetailsSchema = z.object({
  /** WSARENA_BACKPRESSURE of the server, or "none" for the baseline. */
  policy: slowConsumerPolicySchema,
  /** Slow consumers connected. */
  slowConsumers: z.number(),
  /** Bytes per second offered to all slow consumers together (rate × tick bytes × k). */
  offeredBytesPerSec: z.number(),
  /** Epoch ms of the first RSS sample; sample and window times below are ms after it. */
  startMs: z.number(),
  /** RSS sampling period, ms. */
  rssSampleMs: z.number(),
  /** [ms after startMs, server RSS bytes] from before the slow consumers connected to after the window. */
  rss: z.array(timedValueSchema),
  /** Start of the fast subscribers' measured window, ms after startMs. */
  windowStartOffsetMs: z.number(),
  /** End of the fast subscribers' measured window, ms after startMs. */
  windowEndOffsetMs: z.number(),
  /** RSS slope over the window (bytes/s, 95 % interval), or null with too few samples. */
  rssSlope: slopeFitSchema.nullable(),
  /** "growing": slope significantly > 0 and ≥ 10 % of offeredBytesPerSec; "bounded" otherwise (see slope.ts). */
  rssGrowth: z.enum(["growing", "bounded", "unknown", "none"]),
  /** Highest sampled RSS, bytes. */
  rssMaxBytes: z.number(),
  /** The RSS cap was passed and the slow consumers were cut off. */
  capHit: z.boolean(),
  /** Counted by the slow consumers themselves after the window (they read what was kept for up to SLOW_DRAIN_MS). */
  slowClient: z.object({
    /** Ticks received. */
    received: z.number(),
    /** Ticks missing from their sequences (what was dropped for them). */
    gaps: z.number(),
    /** Slow consumers the server closed (any close frame or TCP close before the drain ended). */
    closed: z.number(),
    /** Their close codes, with counts. */
    closeCodes: z.record(z.string(), z.number()),
  }),
});
export type SlowConsumerDetails = z.infer<typeof slowConsumerDetailsSchema>;
