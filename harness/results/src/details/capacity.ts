// `details` of a capacity step's window: the latency of each load kind mixed into the step (the runner copies it into
// the step record's latencyByKind).
import { z } from "zod";
import { latencySummarySchema } from "../schema/records.ts";

/** `details` of a capacity step window. */
export const capacityStepDetailsSchema = z.object({
  /** Latency summary per load kind of the step (e.g. "echo", "pubsub"), µs; null where the kind recorded none. */
  latencyByKind: z.record(z.string(), latencySummarySchema.nullable()),
});
export type CapacityStepDetails = z.infer<typeof capacityStepDetailsSchema>;
