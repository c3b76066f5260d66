// `details` of a reconnect repetition: recovery over the subscribers after the server's SIGKILL and restart.
import { z } from "zod";
import { connectBucketSchema, faultCountsSchema } from "./burst.ts";

/** The restart as the runner saw it (stacks ServerRestart), epoch ms. */
export const restartRecordSchema = z.object({
  /** Signal that ended the old server. */
  signal: z.string(),
  /** When it was sent. */
  killedAtMs: z.number(),
  /** When the old process exited. */
  exitedAtMs: z.number(),
  /** When the new one was spawned. */
  spawnedAtMs: z.number(),
  /** When the new one answered /health. */
  readyAtMs: z.number(),
  /** Attempts to bind the same port. */
  bindAttempts: z.number(),
  /** Process id of the old server. */
  oldPid: z.number(),
  /** Process id of the new server. */
  newPid: z.number(),
});

/** Recovery figures of one repetition. Percentiles over the subscribers are null when no subscriber gave one. */
export const recoveryFiguresSchema = faultCountsSchema.extend({
  /** Subscribers. */
  clients: z.number(),
  /** Subscribers that received again after the kill. */
  recovered: z.number(),
  /** From the kill until a subscriber received again, median over subscribers, ms. */
  recoveryP50Ms: z.number().nullable(),
  /** The same, p99 over subscribers (the headline), ms. */
  recoveryP99Ms: z.number().nullable(),
  /** The same, the slowest subscriber, ms. */
  recoveryMaxMs: z.number().nullable(),
  /** From the new server's /health until a subscriber received again, median over subscribers, ms. */
  afterReadyP50Ms: z.number().nullable(),
  /** The same, p99 over subscribers, ms. */
  afterReadyP99Ms: z.number().nullable(),
  /** From the kill until the new server was ready, ms. */
  serverDownMs: z.number(),
  /** The restart. */
  restart: restartRecordSchema,
  /** Messages of the topic the subscribers never received, in total. */
  missedTotal: z.number(),
  /** Messages missed per subscriber, median. */
  missedP50: z.number().nullable(),
  /** Messages missed per subscriber, p99. */
  missedP99: z.number().nullable(),
  /** Messages the publisher could not send (its own connection down). */
  unpublished: z.number(),
  /** Most successful reconnects in one 100 ms bucket after the kill; absent in sets written before it was recorded. */
  peakConnectsPer100Ms: z.number().optional(),
  /** Highest connect-time p99 of those buckets, µs; absent in older sets. */
  peakConnectP99Us: z.number().optional(),
  /** Reconnect attempts per subscriber, median. */
  attemptsP50: z.number().nullable(),
  /** Reconnect attempts per subscriber, p99. */
  attemptsP99: z.number().nullable(),
  /** Reconnect attempts per 100 ms from the kill. */
  buckets: z.array(connectBucketSchema),
});
export type RecoveryFigures = z.infer<typeof recoveryFiguresSchema>;

/** `details` of a reconnect repetition: the recovery figures with the backoff policy of the point. */
export const reconnectDetailsSchema = recoveryFiguresSchema.extend({
  kind: z.literal("reconnect"),
  /** Backoff policy of the subscribers (clients/fault BackoffPolicy). */
  policy: z.string(),
});
export type ReconnectDetails = z.infer<typeof reconnectDetailsSchema>;
