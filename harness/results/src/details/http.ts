// `details` of an http repetition: requests/s, response time and autocannon's own figures; fan-out latency for publish.
// Written by clients/http-load (its HttpDetails must stay assignable to HttpDetailsRecord: the runner's tsc checks it).
import { z } from "zod";
import { latencySummarySchema } from "../schema/records.ts";

/** `details` of an http repetition. */
export const httpDetailsSchema = z.object({
  /** "health" (GET /health) or "publish" (POST /publish/<topic>). */
  target: z.enum(["health", "publish"]),
  /** Requests answered 2xx per second over the window (requests sent inside it). */
  requestsPerSec: z.number(),
  /** Responses that were not 2xx, of requests sent inside the window. */
  non2xx: z.number(),
  /** Response time of in-window requests (hrtime write → full response), µs, from the harness's HDR histogram; null when none. */
  responseLatency: latencySummarySchema.nullable(),
  /** Encoded µs HDR histogram of the response times. */
  responseHistogram: z.string().nullable(),
  /** autocannon's own figures over the whole run (warm-up included; latency in whole ms as autocannon rounds it). */
  autocannon: z.object({
    /** Mean requests per second. */
    requestsAverage: z.number(),
    /** p99 latency, whole ms. */
    latencyP99Ms: z.number(),
    /** Errors it counted. */
    errors: z.number(),
    /** Timeouts it counted. */
    timeouts: z.number(),
    /** Non-2xx responses it counted. */
    non2xx: z.number(),
  }),
  /** Publish: fan-out latency per receiver (receive − the body's send time), µs; null for health or when none was recorded. */
  fanoutLatency: latencySummarySchema.nullable(),
  /** Publish: subscribers connected. */
  subscribersConnected: z.number(),
  /** CPU seconds over the window of the autocannon worker. */
  autocannonCpuSeconds: z.number(),
  /** CPU seconds over the window of the subscriber worker. */
  subscriberCpuSeconds: z.number(),
});
export type HttpDetailsRecord = z.infer<typeof httpDetailsSchema>;
