// Schema of results/<runId>/<stack>--<scenario>.json: repetitions, their point summaries and the measurement around them.
import { z } from "zod";
import { validityFlagSchema } from "../flag-table.ts";
import {
  clientCpuSchema,
  connectSchema,
  floorSchema,
  histogramRecordSchema,
  integritySchema,
  latencySummarySchema,
  measurementStatusSchema,
  outlierClassSchema,
  paramsSchema,
  percentileNameSchema,
  postconditionSchema,
  quietGateSchema,
  serverStatsSchema,
  serverUsageSchema,
} from "./records.ts";
import { SCHEMA_VERSION } from "./version.ts";
import { loadShapeSchema } from "../load-shape.ts";
import { exactCpuSchema } from "../exact-cpu.ts";
import { kneeSchema } from "./knee.ts";

/** One repetition of one parameter point: a fresh server, a warm-up (discarded), then the measured window. */
export const repetitionSchema = z.object({
  /** Repetition index, 0-based. */
  rep: z.number(),
  /** Server process id during this repetition. */
  serverPid: z.number(),
  /** Wall-clock start of the measured window, epoch ms. */
  windowStartMs: z.number(),
  /** Wall-clock end of the measured window, epoch ms. */
  windowEndMs: z.number(),
  /** Measured window length, ms. */
  durationMs: z.number(),
  /** Data messages received per second by the client(s) over the window (echoes or deliveries). */
  msgsPerSec: z.number(),
  /** Payload bytes received per second over the window. */
  bytesPerSec: z.number(),
  /** Messages sent per second by the client(s) (open loop: the achieved offered rate). */
  sentPerSec: z.number(),
  /** Latency summary (µs), or null where the scenario has none. */
  latency: latencySummarySchema.nullable(),
  /** HDR histogram of latencies in µs, hdr-histogram-js compressed base64 (mergeable), or null. */
  histogram: z.string().nullable(),
  /** Integrity counts over the window. */
  integrity: integritySchema,
  /** Connect-time summary. */
  connect: connectSchema,
  /** Client CPU over the window. */
  clientCpu: clientCpuSchema,
  /** Server CPU and RSS over the window, or null when the process could not be sampled. */
  server: serverUsageSchema.nullable(),
  /** Mean busy % of the client's pinned cores over the window from /proc/stat (includes kernel network work that the
   * client's own CPU time misses), or null when the client was not pinned. Used with clientCpu.utilisation for client-bound. */
  clientCoreBusyPct: z.number().nullable().optional(),
  /** /stats after the server started, before any load of this point (warm-up included), or null if unavailable. */
  statsBefore: serverStatsSchema.nullable(),
  /** /stats right after the load ended, or null if unavailable. */
  statsAfter: serverStatsSchema.nullable(),
  /** statsAfter − statsBefore for every counter (messages, bytes, dropped, connectionsTotal, ...), or null when either is missing. */
  statsDelta: serverStatsSchema.nullable().optional(),
  /** RSS growth per connection after the ramp (connections scenario): (RSS with connections − RSS before) / connections, bytes; else null. */
  rssPerConnectionBytes: z.number().nullable(),
  /** Errors reported by the load generator (deduplicated) and by the harness. */
  errors: z.array(z.string()),
  /** Close codes received from the server, with counts. */
  closeCodes: z.record(z.string(), z.number()),
  /** Postcondition result of this window. */
  postcondition: postconditionSchema,
  /** Validity flags of this repetition alone (high-variance is only computed across repetitions). */
  flags: z.array(validityFlagSchema),
  /** Open-loop modes: the load generator's own scheduler lateness per tick in the window (µs); null for closed-loop and stream modes. */
  schedulerLag: histogramRecordSchema.nullable(),
  /** Platform floor of each pinned core measured in this window (empty when not pinned or not measured). */
  floor: z.array(floorSchema),
  /** Steal time of the pinned cores over the window, % (from /proc/stat), or null where the kernel does not report it. */
  stealPct: z.number().nullable(),
  /** Quiet-machine gate before this window, or null when it did not run. */
  quietGate: quietGateSchema.nullable(),
  /** Latency percentiles within AT_FLOOR_FACTOR× of the floor's same percentile (the worst pinned core's); empty when none or no floor. */
  atFloor: z.array(percentileNameSchema),
  /** Tukey class of this repetition's headline value within its point. */
  outlier: outlierClassSchema,
  /**
   * Bytes on the wire per second over the window as the client counted them (WebSocket frames with headers, compressed
   * size under permessage-deflate; TCP/IP headers excluded): received and sent. Absent when the driver does not count them.
   */
  wire: z.object({ receivedBytesPerSec: z.number(), sentBytesPerSec: z.number() }).optional(),
  /**
   * What the client's sockets delivered over the window, summed over workers: socket reads, data messages parsed out of
   * them, bytes read (frames with headers). Absent when the driver does not count its reads (only the frame driver does) and in older sets.
   */
  receive: z.object({ reads: z.number(), messages: z.number(), bytes: z.number() }).optional(),
  /**
   * Scenario-specific figures of scenarios that measure a window themselves; absent otherwise. Stored as a plain record
   * (a repetition does not know its scenario): their schema is DETAILS_SCHEMAS[scenario] (details.ts), read with detailsOf.
   */
  details: z.record(z.string(), z.unknown()).optional(),
  /** Server process and pinned-core CPU over the window from the scheduler's run time (ns-exact); absent in older sets. */
  cpu: exactCpuSchema.optional(),
});
export type RepetitionRecord = z.infer<typeof repetitionSchema>;

/** Statistics of the headline figure of a point across repetitions. */
export const figureSummarySchema = z.object({
  /** Name of the figure, e.g. "msgsPerSec", "p99Us", "connectPerSec". */
  metric: z.string(),
  /** Unit shown in reports, e.g. "msg/s", "µs", "conn/s". */
  unit: z.string(),
  /** Whether higher or lower values are better. */
  better: z.enum(["higher", "lower"]),
  /** Median over repetitions. */
  median: z.number(),
  /** Mean over repetitions. */
  mean: z.number(),
  /** Sample standard deviation over repetitions (0 with one repetition). */
  stdev: z.number(),
  /** stdev / mean (0 when mean is 0). */
  cv: z.number(),
  /** Smallest value. */
  min: z.number(),
  /** Largest value. */
  max: z.number(),
  /** Number of repetitions summarised. */
  n: z.number(),
  /** Lower end of the 95 % confidence interval of the mean (Student t; equals the mean with one repetition). */
  ci95Lo: z.number(),
  /** Upper end of the 95 % confidence interval of the mean. */
  ci95Hi: z.number(),
  /** Half-width of the 95 % interval over |mean| (0.05 = ±5 %); null with one repetition. Adaptive repetitions stop on it. */
  ciHalfWidthRel: z.number().nullable(),
  /** Median absolute deviation, scaled ×1.4826 to estimate σ. */
  mad: z.number(),
  /** Repetitions outside Tukey's fences (1.5 IQR mild, 3 IQR severe); they stay in every figure. */
  outliers: z.object({ lowSevere: z.number(), lowMild: z.number(), highMild: z.number(), highSevere: z.number() }),
});
export type FigureSummary = z.infer<typeof figureSummarySchema>;

/** One parameter point of a scenario (e.g. size 1 KiB binary, or offered rate 10k msg/s) with all its repetitions. */
export const pointSchema = z.object({
  /** Stable short label of the point, unique within the scenario, e.g. "1024B-binary" or "10000/s". */
  key: z.string(),
  /** The point's parameters. */
  params: paramsSchema,
  /** Repetitions in the order they ran. */
  reps: z.array(repetitionSchema),
  /** Headline figure across repetitions, or null when no repetition finished. */
  summary: figureSummarySchema.nullable(),
  /** Validity flags of the point: union over repetitions plus high-variance across them. */
  flags: z.array(validityFlagSchema),
  /** Load ladders (echo-latency): true when the server could not keep up with this point's offered load in some repetition (received < 90% of offered); later points of that repetition were not run. */
  saturated: z.boolean().optional(),
  /**
   * Open-loop echo points: how the client wrote its schedule. "one-per-write": each message written alone at its own
   * due time (arrivals evenly spaced); "pipelined": every 1 ms tick wrote what was due by its end, several frames per
   * write. Absent on other points, and on open-loop points of sets written before the option existed: those were
   * sent pipelined (read it with loadShapeOf).
   */
  loadShape: loadShapeSchema.optional(),
  /** Server CPU µs per delivered message (each repetition's cpu.serverCpuUsPerMsg) across repetitions; absent in older sets. */
  serverCpuUsPerMsg: figureSummarySchema.nullable().optional(),
  /**
   * Why repetitions of this point stopped: "ci-tight" (95 % interval half-width ≤ the target), "max-reps" (cap reached),
   * "budget" (the run's time budget ran out), "fixed" (a fixed count was asked for), "interrupted", or "saturated"
   * (a ladder point beyond the server's capacity).
   */
  stop: z.enum(["ci-tight", "max-reps", "budget", "fixed", "interrupted", "saturated"]),
});
export type PointRecord = z.infer<typeof pointSchema>;

/** A variant of a stack (harness/runner/src/variants.ts): the base stack run with stated overrides. Additive, optional. */
export const variantRecordSchema = z.object({
  /** Variant id, e.g. "deflate". */
  id: z.string(),
  /** Id of the stack folder it runs, e.g. "uws" (the row's stack id is "uws+deflate"). */
  base: z.string(),
  /** Environment overrides the server started with. */
  env: z.record(z.string(), z.string()),
  /** Load options the client used with the variant (e.g. deflate: true). */
  load: z.record(z.string(), z.union([z.boolean(), z.number(), z.string()])),
  /** What the variant changes, in one line. */
  description: z.string(),
});
export type VariantRecord = z.infer<typeof variantRecordSchema>;

/** Contents of results/<runId>/<stack>--<scenario>.json. */
export const measurementSchema = z.object({
  /** Result file format version (SCHEMA_VERSION). */
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** Run this measurement belongs to. */
  runId: z.string(),
  /** Stack id (`<stack>+<variant>` for a variant). */
  stack: z.string(),
  /** Set when the row is a variant of a stack: its base stack and overrides (absent for a plain stack). */
  variant: variantRecordSchema.optional(),
  /** Stack display name. */
  displayName: z.string(),
  /** Installed version of the stack's versionOf package (runtime version for bun and deno), or null if unknown. */
  version: z.string().nullable(),
  /** Runtime of the stack. */
  runtime: z.enum(["node", "bun", "deno"]),
  /** Wire protocol of the stack. */
  protocol: z.enum(["ws", "socket.io"]),
  /** Manifest approach: idiomatic or tuned. */
  approach: z.enum(["idiomatic", "tuned"]),
  /** Scenario id. */
  scenario: z.string(),
  /** Load generator driver used. */
  driver: z.string(),
  /** Profile the parameters come from. */
  profile: z.string(),
  /** Scenario-wide parameters (warm-up, window, connections, ...). */
  params: paramsSchema,
  /** Outcome. */
  status: measurementStatusSchema,
  /** Why the status is not ok (failed checks for invalid, the error for errored, the cause for skipped). */
  reason: z.string().optional(),
  /** True when the run was interrupted before every repetition of this measurement finished. */
  partial: z.boolean(),
  /**
   * errored by a server that exited during the measurement: how it ended and the last lines it wrote to stderr (absent
   * otherwise).
   */
  serverExit: z
    .object({
      /** Exit code, or null when a signal ended it. */
      code: z.number().nullable(),
      /** Signal that ended it (e.g. "SIGSEGV"), or null. */
      signal: z.string().nullable(),
      /** Last lines of its stderr, oldest first (at most SERVER_STDERR_TAIL_LINES). */
      stderrTail: z.array(z.string()),
      /** Repetition and point during which it exited. */
      rep: z.number(),
      point: z.string(),
    })
    .optional(),
  /** Union of the flags of every point. */
  flags: z.array(validityFlagSchema),
  /** Parameter points with their repetitions (empty when nothing was measured). */
  points: z.array(pointSchema),
  /** Rate ladders (echo-latency): the sustainable rate within the run's SLO per repetition; absent elsewhere and in older sets. */
  knee: kneeSchema.optional(),
  /** When the first repetition started (ISO 8601), or null when nothing ran. */
  startedAt: z.string().nullable(),
  /** When this file was last written (ISO 8601). */
  updatedAt: z.string(),
});
export type MeasurementRecord = z.infer<typeof measurementSchema>;
