// `details` of a pubsub-cluster repetition: the broker, each server process's CPU and RSS, and latency per receiver group.
import { z } from "zod";
import { latencySummarySchema, serverUsageSchema } from "../schema/records.ts";

/** "single" = the same load on the repetition's one server process, no broker; else the broker kind (host BrokerKind). */
export const clusterBrokerSchema = z.enum(["single", "redis", "nats"]);
export type ClusterBroker = z.infer<typeof clusterBrokerSchema>;

/** Latency of one group of receivers in a window (the `details.receivers` entries of a repetition). */
export const receiverGroupSchema = z.object({
  /** "publisher-process": receivers on the publishers' process; "other-processes": receivers on the others (cross-process in a cluster, the same process in "single"). */
  group: z.enum(["publisher-process", "other-processes"]),
  /** Deliveries received in the window. */
  received: z.number(),
  /** Per-receiver latency from the publisher's send time, µs; null when none was recorded. */
  latency: latencySummarySchema.nullable(),
});
export type ReceiverGroup = z.infer<typeof receiverGroupSchema>;

/** What a pubsub-cluster repetition stores in `details`. */
export const clusterDetailsSchema = z.object({
  /** "single", "redis" or "nats". */
  broker: clusterBrokerSchema,
  /** Server processes that carried the load. */
  processes: z.number(),
  /** Broker version (its --version line), or null for "single". */
  brokerVersion: z.string().nullable(),
  /** The broker process's own CPU and RSS over the window (sampled from /proc), or null for "single". */
  brokerUsage: serverUsageSchema.nullable(),
  /** Each server process's CPU and RSS over the window, in process order (publishers on the first); "single": the repetition's server is sampled by the runner. */
  processUsage: z.array(serverUsageSchema.nullable()),
  /** taskset cpu list of each server process ("" = not pinned). */
  processCpus: z.array(z.string()),
  /** True when the server processes and the broker were more than the server cpus: they shared a core. */
  sharedCore: z.boolean(),
  /** Latency per receiver group. */
  receivers: z.array(receiverGroupSchema),
});
export type ClusterDetails = z.infer<typeof clusterDetailsSchema>;
