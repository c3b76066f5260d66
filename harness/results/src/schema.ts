// Versioned zod schema of a result set (results/<runId>/): run.json plus one measurement file per (stack, scenario).
// Change policy: changes after SCHEMA_VERSION 1 are additive (new optional fields); a breaking change bumps SCHEMA_VERSION
// and is described in a line here. Readers ignore unknown fields (objects are not strict), so older readers keep working.
// Additive since the first commit of version 1 (all optional): point.saturated, repetition.clientCoreBusyPct,
// repetition.statsDelta.
// Version 2: every repetition carries the measured floor (platform hiccup per pinned core, the client's scheduler lag),
// steal time, the quiet-machine gate, its outlier class and the latency percentiles at the floor; summaries carry the
// 95 % interval, MAD and outlier counts; points say why repetitions stopped; flags client-loaded and at-floor.
// Version 1 files are migrated on read (results/migrate.ts): the new measurements are null/empty there, never invented.
import { z } from "zod";
// Exact CPU (h/cpu): the block's schema lives in exact-cpu.ts.
import { exactCpuSchema } from "./exact-cpu.ts";
export * from "./exact-cpu.ts";

/** Version of the result file format written by this runner. */
export const SCHEMA_VERSION = 2;

/** File name of the run description inside a result set. */
export const RUN_FILE = "run.json";

/** File name of the measurement of `stack` in `scenario` inside a result set. */
export function measurementFileName(stack: string, scenario: string): string {
  return `${stack}--${scenario}.json`;
}

/** Validity flags attached to a measured figure; a flagged figure is never presented as a plain winner. */
export const validityFlagSchema = z.enum([
  /** Client core(s) ≥ 85% busy while the server core was < 90%: the figure measures the client, not the server. */
  "client-bound",
  /** Throughput scenario where neither the server nor the client was busy: the load did not saturate anything. */
  "not-saturated",
  /** Lost, duplicated, reordered or corrupted messages were seen. */
  "integrity",
  /** The load generator or the server reported errors (connection drops, unexpected closes, failed postcondition). */
  "errors",
  /** Coefficient of variation of the headline figure across repetitions > 10%. A caveat: ranking uses ratio intervals. */
  "high-variance",
  /**
   * Latency point where the load generator was in the way: client core ≥ 50 % busy, or its scheduler lag p99 more
   * than 25 % of the measured p99. Not ranked.
   */
  "client-loaded",
  /** Latency point whose headline percentile is within 2× of the platform floor's same percentile: it describes the machine, not the stack. Not ranked. */
  "at-floor",
  /**
   * Soak: the server's RSS grew over the measured window with a slope whose 95 % interval (autocorrelation-adjusted,
   * see harness/runner/src/slope.ts) lies above zero; the slope is in the repetition's details. A caveat: it describes
   * the server (the figure is still ranked), it does not make the latency figure wrong.
   */
  "suspected-leak",
  /** Cluster point whose server processes (and broker) shared a core: they compete for it, so the figure is not what one core per process gives. A caveat, ranked. */
  "shared-core",
]);
export type ValidityFlag = z.infer<typeof validityFlagSchema>;

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
  /** Scenario-specific figures of scenarios that measure a window themselves (their module documents the shape); absent otherwise. */
  details: z.record(z.string(), z.unknown()).optional(),
  /** Exact CPU (h/cpu): server process and pinned-core CPU over the window from scheduler run time, ns; absent in older sets. */
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
  /** Exact CPU (h/cpu): server CPU µs per delivered message (each repetition's cpu.serverCpuUsPerMsg) across repetitions; absent in older sets. */
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
  /** When the first repetition started (ISO 8601), or null when nothing ran. */
  startedAt: z.string().nullable(),
  /** When this file was last written (ISO 8601). */
  updatedAt: z.string(),
});
export type MeasurementRecord = z.infer<typeof measurementSchema>;

/** Machine the run happened on. */
export const machineSchema = z.object({
  /** Short host name. */
  hostname: z.string(),
  /** CPU model from /proc/cpuinfo. */
  cpuModel: z.string(),
  /** Logical cores (nproc). */
  cores: z.number(),
  /** Total memory, bytes. */
  memoryBytes: z.number(),
  /** Kernel release (uname -r). */
  kernel: z.string(),
  /** OS platform and architecture, e.g. "linux x64". */
  platform: z.string(),
  /** CPU frequency governor of cpu0, or null when not readable (e.g. in a VM). */
  governor: z.string().nullable(),
});
export type MachineRecord = z.infer<typeof machineSchema>;

/** One stack of the run, with the versions that matter. */
export const runStackSchema = z.object({
  /** Stack id (`<stack>+<variant>` for a variant). */
  id: z.string(),
  /** Set when the row is a variant of a stack: its base stack and overrides (absent for a plain stack). */
  variant: variantRecordSchema.optional(),
  /** Display name. */
  displayName: z.string(),
  /** Runtime. */
  runtime: z.enum(["node", "bun", "deno"]),
  /** Wire protocol. */
  protocol: z.enum(["ws", "socket.io"]),
  /** Manifest approach. */
  approach: z.enum(["idiomatic", "tuned"]),
  /** Installed version of the versionOf package, or null. */
  version: z.string().nullable(),
  /** Installed versions of every dependency of the stack's package.json, by name. */
  packages: z.record(z.string(), z.string()),
  /** Verification result, or null when verification was not run. */
  verification: z
    .object({
      /** True when every check passed (warnings allowed). */
      ok: z.boolean(),
      /** Verification level used. */
      level: z.string(),
      /** Failed checks, one line each. */
      failures: z.array(z.string()),
    })
    .nullable(),
});
export type RunStackRecord = z.infer<typeof runStackSchema>;

/** Run configuration as resolved from flags and the profile. */
export const runConfigSchema = z.object({
  /** Profile name: quick, standard or full. */
  profile: z.string(),
  /** Repetitions every (stack, scenario, point) got at least: the fixed count, or repetitions.minReps when adaptive. */
  reps: z.number(),
  /** Stack ids in the order of the first repetition (rotated by one each repetition). */
  stacks: z.array(z.string()),
  /** Scenario ids in run order. */
  scenarios: z.array(z.string()),
  /** Resolved parameters of every scenario for this profile: scenario id → { params, points }. */
  scenarioParams: z.record(z.string(), z.object({ params: paramsSchema, points: z.array(paramsSchema) })),
  /** Verification level run before timing ("smoke", "full") or "none". */
  verifyLevel: z.string(),
  /**
   * Adaptive repetitions: at least minReps, then more until every point's 95 % half-width ≤ targetCiHalfWidthRel, at most
   * maxReps, while the budget lasts. A fixed count (--reps N) is minReps = maxReps = N with target 0 and no budget.
   */
  repetitions: z.object({
    /** Repetitions every measurement gets. */
    minReps: z.number(),
    /** Cap. */
    maxReps: z.number(),
    /** Target relative half-width of the 95 % interval (0.05 = ±5 %). */
    targetCiHalfWidthRel: z.number(),
    /** Wall-time budget of the timing phase, ms, or null for none. */
    budgetMs: z.number().nullable(),
  }),
});
export type RunConfigRecord = z.infer<typeof runConfigSchema>;

/** Contents of results/<runId>/run.json. */
export const runSchema = z.object({
  /** Result file format version (SCHEMA_VERSION). */
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** Run id: UTC date-time + short host name, e.g. 20261123T030501Z-myhost. */
  runId: z.string(),
  /** Start of the run (ISO 8601). */
  startedAt: z.string(),
  /** End of the run (ISO 8601), or null while running. */
  finishedAt: z.string().nullable(),
  /** complete: every planned measurement ran; interrupted: stopped early (Ctrl-C), files hold what finished; running: in progress (or the runner died). */
  status: z.enum(["complete", "interrupted", "running"]),
  /** Git state of the checkout. */
  git: z.object({
    /** Commit hash, or null outside a git checkout. */
    commit: z.string().nullable(),
    /** True when tracked files had uncommitted changes. */
    dirty: z.boolean(),
  }),
  /** Machine description. */
  machine: machineSchema,
  /** Runtime versions: node always; bun and deno from the stacks' binaries, null when not installed. */
  runtimes: z.object({
    /** Node version running the harness. */
    node: z.string(),
    /** Bun version, or null. */
    bun: z.string().nullable(),
    /** Deno version, or null. */
    deno: z.string().nullable(),
  }),
  /** Versions of the load generator's packages (ws, socket.io-client, hdr-histogram-js, ...). */
  clientPackages: z.record(z.string(), z.string()),
  /** Stacks in the run. */
  stacks: z.array(runStackSchema),
  /** CPU pinning. */
  pinning: z.object({
    /** taskset cpu list of the servers, or null when not pinned. */
    serverCpus: z.string().nullable(),
    /** taskset cpu list of the load generator, or null when not pinned. */
    clientCpus: z.string().nullable(),
  }),
  /** Resolved configuration. */
  config: runConfigSchema,
  /** Measurement files of this set (relative names), in plan order. */
  measurements: z.array(z.string()),
  /** Where the wall time went: timing phase total and the part inside measured windows, ms (null while running). */
  timing: z
    .object({
      /** Wall time of the timing phase (verification excluded), ms. */
      timingPhaseMs: z.number(),
      /** Sum of the measured windows, ms. */
      inWindowMs: z.number(),
      /** Time spent waiting at the quiet-machine gate, ms. */
      quietWaitMs: z.number(),
    })
    .nullable(),
});
export type RunRecord = z.infer<typeof runSchema>;
