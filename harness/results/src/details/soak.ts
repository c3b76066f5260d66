// `details` of a soak repetition: per-second RSS and probe latency over the whole soak, and their slopes.
import { z } from "zod";
import { timedValueSchema } from "./slow-consumer.ts";

/** A 95 % interval [low, high]. */
const intervalSchema = z.tuple([z.number(), z.number()]);

/** What a soak repetition stores in `details`. */
export const soakDetailsSchema = z.object({
  /** Epoch ms of the first sample; times below are ms after it. */
  startMs: z.number(),
  /** Sampling period, ms. */
  sampleMs: z.number(),
  /** [ms after startMs, server RSS bytes], one per second from before warm-up to after the window. */
  rss: z.array(timedValueSchema),
  /** [ms after startMs, probe p50 µs, probe p99 µs, ticks in that second], one per second. */
  latency: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])),
  /** Start of the measured window, ms after startMs. */
  windowStartOffsetMs: z.number(),
  /** End of the measured window, ms after startMs. */
  windowEndOffsetMs: z.number(),
  /** RSS slope over the window (after warm-up), KiB/min (see slope.ts). */
  rssSlopeKibPerMin: z.number(),
  /** Its 95 % interval (autocorrelation-adjusted), or null with too few samples. */
  rssSlopeCiKibPerMin: intervalSchema.nullable(),
  /** Samples fitted. */
  rssSamples: z.number(),
  /** Their effective number after autocorrelation. */
  rssEffectiveSamples: z.number(),
  /** True when the RSS slope's interval lies above zero (the repetition carries the suspected-leak flag). */
  suspectedLeak: z.boolean(),
  /** Slope of the probe's per-second p99 over the window, µs per minute, or null. */
  p99SlopeUsPerMin: z.number().nullable(),
  /** Its 95 % interval, or null. */
  p99SlopeCiUsPerMin: intervalSchema.nullable(),
  /** The probe's own counts (a gap is a tick the server skipped for it). */
  probe: z.object({ received: z.number(), gaps: z.number() }),
});
export type SoakDetails = z.infer<typeof soakDetailsSchema>;
