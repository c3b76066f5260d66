// Building blocks of a repetition record: latency, integrity, connect, CPU, /proc samples, /stats, floor and quiet gate.
import { z } from "zod";

/** Status of one (stack, scenario) measurement. */
export const measurementStatusSchema = z.enum([
  /** Measured; figures may still carry validity flags. */
  "ok",
  /** The run failed (server crashed, did not start, load generator error); `reason` says why. */
  "errored",
  /** The stack failed verification, so it was not timed; `reason` lists the failed checks. */
  "invalid",
  /** Not run: the stack does not support the scenario, cannot run here, or the run was interrupted first. */
  "skipped",
]);
export type MeasurementStatus = z.infer<typeof measurementStatusSchema>;

/** Latency summary in microseconds (mirrors @wsarena/loadgen LatencySummary; schema.test-d.ts fails tsc on drift). */
export const latencySummarySchema = z.object({
  /** Number of recorded latencies. */
  count: z.number(),
  /** Smallest latency, µs. */
  minUs: z.number(),
  /** Mean latency, µs. */
  meanUs: z.number(),
  /** Median, µs. */
  p50Us: z.number(),
  /** 90th percentile, µs. */
  p90Us: z.number(),
  /** 99th percentile, µs. */
  p99Us: z.number(),
  /** 99.9th percentile, µs. */
  p999Us: z.number(),
  /** Largest latency, µs. */
  maxUs: z.number(),
});
export type LatencySummaryRecord = z.infer<typeof latencySummarySchema>;

/** Message integrity over the measured window (mirrors @wsarena/loadgen IntegrityCounts; checked by schema.test-d.ts). */
export const integritySchema = z.object({
  /** Messages sent by the client, or announced by the server for streams (highest seq + 1). */
  sent: z.number(),
  /** Messages received (each delivery counts once per receiver). */
  received: z.number(),
  /** Expected but never received. */
  lost: z.number(),
  /** Received more than once. */
  duplicated: z.number(),
  /** Received out of order on one path. */
  reordered: z.number(),
  /** Received with content that does not match what was sent. */
  corrupted: z.number(),
});
export type IntegrityRecord = z.infer<typeof integritySchema>;

/** Connect times over the ramp (mirrors @wsarena/loadgen ConnectSummary; checked by schema.test-d.ts). */
export const connectSchema = z.object({
  /** Connections attempted. */
  attempted: z.number(),
  /** Connections that completed the WebSocket (or socket.io) handshake. */
  succeeded: z.number(),
  /** Connections that failed. */
  failed: z.number(),
  /** Successful connections per second during the ramp. */
  perSec: z.number(),
  /** Median connect time, µs. */
  p50Us: z.number(),
  /** 90th percentile connect time, µs. */
  p90Us: z.number(),
  /** 99th percentile connect time, µs. */
  p99Us: z.number(),
  /** Largest connect time, µs. */
  maxUs: z.number(),
  /** First few distinct failure reasons. */
  errors: z.array(z.string()),
});
export type ConnectRecord = z.infer<typeof connectSchema>;

/** CPU used by the load generator's workers over the measured window (mirrors @wsarena/loadgen ClientCpu; checked by schema.test-d.ts). */
export const clientCpuSchema = z.object({
  /** cpu list the workers were pinned to, or null when not pinned. */
  cpus: z.string().nullable(),
  /** Worker processes. */
  workers: z.number(),
  /** user + system CPU seconds of all workers during the window. */
  cpuSeconds: z.number(),
  /** cpuSeconds / (window seconds × client cores): 1.0 = every client core fully busy. */
  utilisation: z.number(),
  /** Per worker: user + system CPU seconds over the window. */
  perWorkerCpuSeconds: z.array(z.number()),
  /**
   * Client CPU per data message received, µs: cpuSeconds × 10⁶ ÷ messages received in the window (the workers' own
   * user + system time; kernel receive work charged to no process is not in it); null without messages. Absent in older sets.
   */
  usPerMsg: z.number().nullable().optional(),
});
export type ClientCpuRecord = z.infer<typeof clientCpuSchema>;

/** One sample of the server process and its pinned cores, taken from /proc during the measured window. */
export const serverSampleSchema = z.object({
  /** Milliseconds since the start of the sampling. */
  tMs: z.number(),
  /** Server process CPU (user + system) since the previous sample, in % of one core (may exceed 100 with threads on several cores). */
  cpuPct: z.number(),
  /** Server process resident set size, bytes (VmRSS). */
  rssBytes: z.number(),
  /** Busy % of each pinned server core since the previous sample (from /proc/stat), in the order of `serverCpus`. */
  coreBusyPct: z.array(z.number()),
});
export type ServerSample = z.infer<typeof serverSampleSchema>;

/** Server CPU and memory over the measured window, from /proc/<pid>/stat, /proc/<pid>/status and /proc/stat. */
export const serverUsageSchema = z.object({
  /** Sampling period, ms. */
  intervalMs: z.number(),
  /** Samples taken (before downsampling). */
  sampleCount: z.number(),
  /** Process CPU over the whole window, % of one core (CPU seconds / wall seconds × 100). */
  cpuPct: z.number(),
  /** Highest per-sample process CPU, % of one core. */
  cpuPctMax: z.number(),
  /** Mean busy % of the pinned server cores over the window (all processes on those cores), or null when not pinned. */
  coreBusyPct: z.number().nullable(),
  /** RSS at the start of the window, bytes. */
  rssBytesStart: z.number(),
  /** RSS at the end of the window, bytes. */
  rssBytesEnd: z.number(),
  /** Highest sampled RSS, bytes. */
  rssBytesMax: z.number(),
  /** Samples, downsampled to at most MAX_STORED_SAMPLES evenly spaced points to keep files small. */
  samples: z.array(serverSampleSchema),
});
export type ServerUsage = z.infer<typeof serverUsageSchema>;

/** Server /stats counters (protocol v1 ServerStats). */
export const serverStatsSchema = z.object({
  /** WebSocket connections open now. */
  connections: z.number(),
  /** WebSocket connections accepted since start. */
  connectionsTotal: z.number(),
  /** Data messages received. */
  messagesIn: z.number(),
  /** Data messages sent, one per delivery. */
  messagesOut: z.number(),
  /** Payload bytes received. */
  bytesIn: z.number(),
  /** Payload bytes sent. */
  bytesOut: z.number(),
  /** Messages dropped by the backpressure policy. */
  dropped: z.number(),
  /** Connections closed by the backpressure policy. */
  closedForBackpressure: z.number(),
  /** Server RSS as it reports it, bytes. */
  rssBytes: z.number(),
  /** Milliseconds since the server started. */
  uptimeMs: z.number(),
});
export type ServerStatsRecord = z.infer<typeof serverStatsSchema>;

/** Result of a scenario's postcondition, checked after every measured window. */
export const postconditionSchema = z.object({
  /** True when every check held. */
  ok: z.boolean(),
  /** One line per failed check (what was expected, what was seen). */
  failures: z.array(z.string()),
});
export type PostconditionRecord = z.infer<typeof postconditionSchema>;

/** Parameters of one measured point (e.g. one size, one offered rate); values are numbers, strings or booleans. */
export const paramsSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));
export type ParamsRecord = z.infer<typeof paramsSchema>;

/** An HDR histogram of µs values with its summary. */
export const histogramRecordSchema = z.object({
  /** Summary of the recorded values, µs. */
  summary: latencySummarySchema,
  /** hdr-histogram-js compressed base64 (mergeable), or null when nothing was recorded. */
  histogram: z.string().nullable(),
});
export type HistogramRecord = z.infer<typeof histogramRecordSchema>;

/**
 * Platform floor of one pinned core over a measured window (the jHiccup method): an otherwise idle probe pinned to the
 * core sleeps `intervalUs` in a loop and records how late it wakes up. Whatever delays it (other processes, the
 * hypervisor, interrupts) delays a server or client on that core too, so a latency percentile near the floor's describes
 * the machine.
 */
export const floorSchema = z.object({
  /** The cpu the probe was pinned to. */
  cpu: z.number(),
  /** Whose core it is. */
  role: z.enum(["server", "client"]),
  /** Sleep interval of the probe, µs. */
  intervalUs: z.number(),
  /** Wake-up lateness over the window, µs. */
  lateness: histogramRecordSchema,
  /** CPU the probe itself used over the window, % of one core. */
  probeCpuPct: z.number(),
});
export type FloorRecord = z.infer<typeof floorSchema>;

/** The quiet-machine gate run before a window: pinned cores must be idle (no foreign work, quiet hiccup probe). */
export const quietGateSchema = z.object({
  /** True when a check passed; false when every attempt failed and the window was measured anyway (then the figure is suspect). */
  ok: z.boolean(),
  /** Checks made (1 = quiet at the first look). */
  attempts: z.number(),
  /** Time spent waiting for quiet, ms. */
  waitedMs: z.number(),
  /** One line per failed check: what was seen, e.g. "cpu 0 busy 34 % with the server idle". */
  reasons: z.array(z.string()),
});
export type QuietGateRecord = z.infer<typeof quietGateSchema>;

/** Tukey-fence class of a repetition's headline value among its point's repetitions; outliers are flagged, never dropped. */
export const outlierClassSchema = z.enum(["low-severe", "low-mild", "normal", "high-mild", "high-severe"]);

/** A latency percentile field name. */
export const percentileNameSchema = z.enum(["p50Us", "p90Us", "p99Us", "p999Us", "maxUs"]);
export type PercentileName = z.infer<typeof percentileNameSchema>;
