// `details` of a burst repetition: a connection storm (outcomes by class, connect buckets) or a message burst (drain
// times, latency buckets). Written by the runner from the fault client's result (clients/fault types.ts).
import { z } from "zod";

/** Connect-time and outcome counts of one 100 ms bucket (clients/fault ConnectBucket). */
export const connectBucketSchema = z.object({
  /** Bucket start, ms from the reference instant (storm: first attempt; reconnect: the kill). */
  tMs: z.number(),
  /** Attempts started in the bucket. */
  attempts: z.number(),
  /** Of those, the ones that opened. */
  succeeded: z.number(),
  /** Of those, the ones that failed. */
  failed: z.number(),
  /** Connect-time median of the successful attempts, µs (null when none). */
  p50Us: z.number().nullable(),
  /** Connect-time p99 of the successful attempts, µs (null when none). */
  p99Us: z.number().nullable(),
  /** Longest connect time of the successful attempts, µs (null when none). */
  maxUs: z.number().nullable(),
});
export type ConnectBucketRecord = z.infer<typeof connectBucketSchema>;

/** Delivery latency of the messages sent in one 100 ms bucket (clients/fault LatencyBucket). */
export const latencyBucketSchema = z.object({
  /** Bucket start, ms from the first publish. */
  tMs: z.number(),
  /** Messages published in the bucket. */
  sent: z.number(),
  /** Deliveries of those messages (all subscribers). */
  delivered: z.number(),
  /** Delivery latency median, µs (null when none). */
  p50Us: z.number().nullable(),
  /** Delivery latency p99, µs (null when none). */
  p99Us: z.number().nullable(),
  /** Longest delivery latency, µs (null when none). */
  maxUs: z.number().nullable(),
});
export type LatencyBucketRecord = z.infer<typeof latencyBucketSchema>;

/** What every fault task's details carry: connection outcomes, close codes and error samples. */
export const faultCountsSchema = z.object({
  /** Every connection attempt, by outcome ("ok", "refused", "reset", "timeout", "other", "http-<status>", "close-<code>"). */
  outcomes: z.record(z.string(), z.number()),
  /** Close codes received on open connections (1006 = TCP closed without a close frame). */
  closeCodes: z.record(z.string(), z.number()),
  /** First few distinct error details. */
  errorSamples: z.array(z.string()),
});

/** A storm point's details. */
export const stormDetailsSchema = faultCountsSchema.extend({
  kind: z.literal("storm"),
  /** Wall time from the first attempt to the last attempt settled, ms. */
  settledMs: z.number(),
  /** Open connections at the end of the hold. */
  openAtEnd: z.number(),
  /** Connection attempts per 100 ms bucket from the first attempt. */
  buckets: z.array(connectBucketSchema),
});
export type StormDetails = z.infer<typeof stormDetailsSchema>;

/** A message-burst point's details. */
export const messageBurstDetailsSchema = faultCountsSchema.extend({
  kind: z.literal("message-burst"),
  /** p99 delivery latency of the quiet phase before the burst, µs. */
  baselineP99Us: z.number().nullable(),
  /** Instant the burst ended, ms from the first publish. */
  burstEndMs: z.number(),
  /** From the burst's end until the last delivery of a message sent up to it (the backlog is empty), ms. */
  backlogDrainMs: z.number().nullable(),
  /** From the burst's end until the send buckets' p99 is back within the baseline threshold, ms. */
  latencyRecoverMs: z.number().nullable(),
  /** max(backlogDrainMs, latencyRecoverMs): time to drain the burst, ms; null when it did not drain in the window. */
  drainMs: z.number().nullable(),
  /** Deliveries expected but never received. */
  lost: z.number(),
  /** Per 100 ms of send time. */
  buckets: z.array(latencyBucketSchema),
});
export type MessageBurstDetails = z.infer<typeof messageBurstDetailsSchema>;

/** `details` of a burst repetition: a storm or a message burst, told apart by `kind`. */
export const burstDetailsSchema = z.discriminatedUnion("kind", [stormDetailsSchema, messageBurstDetailsSchema]);
export type BurstDetails = z.infer<typeof burstDetailsSchema>;
