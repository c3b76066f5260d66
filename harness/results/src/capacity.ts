// The capacity result file (results/<runId>/capacity.json): zod schema with every field documented.
import { z } from "zod";
import { latencySummarySchema, machineSchema, repetitionSchema, runSchema, runStackSchema, SCHEMA_VERSION, validityFlagSchema } from "./schema.ts";

/** File name of a capacity result set's record (a capacity set has no run.json). */
export const CAPACITY_FILE = "capacity.json";

/** A criterion a step did not meet. */
export const criterionFailureSchema = z.object({
  /** The criterion as given, e.g. "p99<50ms". */
  criterion: z.string(),
  /** Measured value in the criterion's base unit (µs, count, %, bytes), or null when it was not measured. */
  measured: z.number().nullable(),
  /** Measured value in the criterion's unit, e.g. "61.2ms". */
  measuredText: z.string(),
});

/** The verdict of one step. */
export const stepVerdictSchema = z.enum([
  /** Every criterion met. */
  "pass",
  /** A cpu or rss criterion failed, or a latency/error criterion while the client was far from busy: a limit of the server. */
  "fail",
  /** Only latency or error criteria failed, while the client was busy (client-bound or client-loaded): not a server limit, no verdict. */
  "client-limited",
  /** The step could not be measured (the load failed or timed out); the error says why. */
  "error",
  /** Did not pass while other work ran on the pinned cores (quiet gate failed, or foreign work on the client core), in every attempt: no verdict. */
  "noisy",
  /** Not measured: the level needs more connections than the machine allows (the stack's `limit` names the limit); no verdict on the stack. */
  "limit",
]);

/** The OS limit that caps the users one run can measure on this machine (the lowest of those planRamp reads). */
export const capacityLimitSchema = z.object({
  /** Which limit: file-descriptors (open files of the server, the load workers or the system), ephemeral-ports or memory. */
  cap: z.enum(["file-descriptors", "ephemeral-ports", "memory"]),
  /** The limit's own value: open files (RLIMIT_NOFILE soft or fs.file-max), ephemeral ports per address, or MemAvailable bytes. */
  value: z.number(),
  /** WebSocket connections it allows. */
  connections: z.number(),
  /** Users it allows: connections / connections per user, rounded down (to whole rooms for chat above one room). */
  users: z.number(),
  /** One sentence: which limit, its value and the connections it allows. */
  reason: z.string(),
});
export type CapacityLimit = z.infer<typeof capacityLimitSchema>;

/** One line naming a limit, its value and the users it allows: "limit: file-descriptors (the server's open-file limit (…) … allows 19000 connections; 19000 users)". */
export function capacityLimitText(l: CapacityLimit): string {
  return `limit: ${l.cap} (${l.reason}; ${l.users} users)`;
}

/** One measured level of users. */
export const capacityStepSchema = z.object({
  /** Concurrent users. */
  users: z.number(),
  /** Why it was measured: a ladder step, a bisection step, or --users measured after the ladder. */
  phase: z.enum(["ladder", "bisect", "target"]),
  /** WebSocket connections the users opened (users × connections per user). */
  connections: z.number(),
  verdict: stepVerdictSchema,
  /** Criteria not met (empty on pass). */
  failures: z.array(criterionFailureSchema),
  /** Latency over every message a user received in the window (ticks, order echoes, room messages), µs, from send time; null when none. */
  latency: latencySummarySchema.nullable(),
  /** Latency per kind of message (e.g. "ticks", "orders"), µs; each null when none was received. */
  latencyByKind: z.record(z.string(), latencySummarySchema.nullable()),
  /** Error count the errors criterion checks: connect failures + unexpected closes + lost/duplicated/reordered/corrupted + server drops. */
  errors: z.number(),
  /** What the error count is made of. */
  errorParts: z.object({
    connectFailed: z.number(),
    /** Closes with a code other than 1000 during the run. */
    unexpectedCloses: z.number(),
    /** Lost + duplicated + reordered + corrupted messages in the window. */
    integrity: z.number(),
    /** /stats dropped + closedForBackpressure growth during the step. */
    serverDropped: z.number(),
  }),
  /**
   * Server process CPU over the window, % of one core (/proc/<pid>/stat: its own user + system time), or null. What the
   * cpu criterion checks: on a shared machine the pinned core also runs other tenants' work. Kernel network work in
   * softirq is charged to no process and is not included (serverCoreBusyPct includes it, and everything else on the core).
   */
  serverCpuPct: z.number().nullable(),
  /** Busy % of the server's pinned core(s) over the window (/proc/stat), or null. */
  serverCoreBusyPct: z.number().nullable(),
  /** Work on the client's pinned core(s) that is not the load generator's or its probe's, % of the core(s), or null when not pinned. */
  foreignCpuPct: z.number().nullable(),
  /** Whether the quiet-machine gate before the window saw quiet cores (null when it did not run). */
  quietGateOk: z.boolean().nullable(),
  /** Times this level was measured: a step that did not pass while the machine was noisy is measured again (at most STEP_MAX_ATTEMPTS). */
  attempts: z.number(),
  /** Highest server RSS over the window, bytes, or null. */
  rssBytes: z.number().nullable(),
  /** Client utilisation over the window, % of its pinned cores (larger of its own CPU share and its cores' busy share). */
  clientCpuPct: z.number(),
  /** Messages received per second by all users over the window. */
  msgsPerSec: z.number(),
  /** Platform floor p99 over the window, µs (worst pinned core), or null when not measured. */
  floorP99Us: z.number().nullable(),
  /** Validity flags of the window (client-bound, client-loaded, at-floor, integrity, errors). */
  flags: z.array(validityFlagSchema),
  /** Error text when verdict is "error". */
  error: z.string().nullable(),
  /** The full window record (samples, histograms, /stats, floor) as `wsarena run` stores it. */
  window: repetitionSchema.nullable(),
});
export type CapacityStepRecord = z.infer<typeof capacityStepSchema>;

/** The outcome for one stack. */
export const capacityStackSchema = z.object({
  /** Stack id. */
  stack: z.string(),
  /** Version the server reported, or null when it did not start. */
  version: z.string().nullable(),
  /**
   * Verdict for --users: yes (every criterion met), no (a criterion failed at the server), unknown (client-limited or not
   * measured), limit (--users needs more connections than the machine allows: `limit` names the limit).
   */
  verdict: z.enum(["yes", "no", "unknown", "limit"]).nullable(),
  /** Criteria that failed at --users, with the measured values. */
  verdictFailures: z.array(criterionFailureSchema),
  /** Largest level that passed below the first failure, or null when none passed. */
  largestPassingUsers: z.number().nullable(),
  /** True when no step failed: the ladder ran out of steps (or stopped at the machine's limit), capacity is at least largestPassingUsers. */
  largestPassingIsLowerBound: z.boolean(),
  /** Every measured step in the order measured. */
  steps: z.array(capacityStepSchema),
  /**
   * The OS limit on users, read once the stack's server was up (its own open-file limit counts): the ladder stops at
   * limit.users and records the first level beyond it as a "limit" step. null when no limit was readable; absent in
   * files written before capacity read the limits.
   */
  limit: capacityLimitSchema.nullable().optional(),
  /** Why the stack could not be measured, or null. */
  error: z.string().nullable(),
});
export type CapacityStackRecord = z.infer<typeof capacityStackSchema>;

/** Contents of results/<runId>/capacity.json. */
export const capacitySchema = z.object({
  /** Result file format version (same as run.json's). */
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** Marks a capacity set (`wsarena report` draws a capacity report from it). */
  kind: z.literal("capacity"),
  /** Run id: UTC date-time + short host name. */
  runId: z.string(),
  /** Start and end (ISO 8601); finishedAt null while running. */
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** complete, interrupted (Ctrl-C: the file holds what finished) or running. */
  status: z.enum(["complete", "interrupted", "running"]),
  /** Git state of the checkout. */
  git: runSchema.shape.git,
  machine: machineSchema,
  runtimes: runSchema.shape.runtimes,
  /** Stacks measured, with versions. */
  stacks: z.array(runStackSchema),
  pinning: runSchema.shape.pinning,
  config: z.object({
    /** User profile id (trader, chat, feed). */
    profile: z.string(),
    /** What one user does, one line. */
    profileDescription: z.string(),
    /** WebSocket connections per user. */
    connectionsPerUser: z.number(),
    /** --users, or null when not given. */
    users: z.number().nullable(),
    /** The criteria as given (normalised), e.g. ["p99<50ms", "errors=0"]. */
    criteria: z.array(z.string()),
    /** Ladder steps (users), ascending, --users included. */
    steps: z.array(z.number()),
    /** Bisection stops when first fail / last pass ≤ this ratio, or after bisectMaxSteps steps. */
    bisectMaxRatio: z.number(),
    bisectMaxSteps: z.number(),
    /** Warm-up (discarded) and measured window of each step, ms. */
    warmupMs: z.number(),
    stepMs: z.number(),
    /** Driver of the load. */
    driver: z.string(),
  }),
  /** One entry per stack, in run order. */
  results: z.array(capacityStackSchema),
});
export type CapacityRecord = z.infer<typeof capacitySchema>;
