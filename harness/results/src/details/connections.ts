// `details` of a connections repetition: the OS limits read before the ramp, the ramp sized from them, RSS per
// connection and the heartbeat phase. The runner writes them; host's os-limits.ts builds MachineLimits and RampPlan.
import { z } from "zod";

/** Open-file limit of a process (RLIMIT_NOFILE); null = unlimited. */
export const openFilesLimitSchema = z.object({
  /** Soft limit, or null when unlimited. */
  soft: z.number().nullable(),
  /** Hard limit, or null when unlimited. */
  hard: z.number().nullable(),
});
export type OpenFilesLimit = z.infer<typeof openFilesLimitSchema>;

/** What bounds the connections of one run on this machine. */
export const machineLimitsSchema = z.object({
  /** RLIMIT_NOFILE of the server process (/proc/<pid>/limits), or of this process when no pid was given. */
  serverOpenFiles: openFilesLimitSchema,
  /** RLIMIT_NOFILE of the load workers (they inherit this process's, /proc/self/limits). */
  clientOpenFiles: openFilesLimitSchema,
  /** net.ipv4.ip_local_port_range: ephemeral ports per source address (low, high inclusive); null when unreadable. */
  ephemeralPorts: z.object({ low: z.number(), high: z.number() }).nullable(),
  /** MemAvailable of /proc/meminfo in bytes; null when unreadable. */
  memAvailableBytes: z.number().nullable(),
  /** fs.file-max: open files of the whole system; null when unreadable. */
  fileMax: z.number().nullable(),
});
export type MachineLimits = z.infer<typeof machineLimitsSchema>;

/** Which limit set the connection target. */
export const rampCapSchema = z.enum(["profile", "file-descriptors", "ephemeral-ports", "memory"]);
export type RampCap = z.infer<typeof rampCapSchema>;

/** A ramp sized to the machine. */
export const rampPlanSchema = z.object({
  /** Connections the profile asked for. */
  requested: z.number(),
  /** Connections to open: the requested count, or less when a limit is lower. */
  connections: z.number(),
  /** The limit that set `connections` ("profile" when none was lower than the request). */
  cappedBy: rampCapSchema,
  /** One sentence: which limit, its value and the count it allows. */
  reason: z.string(),
  /** Load worker processes, each holding at most CONNECTIONS_PER_WORKER (and under its open-file limit). */
  workers: z.number(),
  /** Source addresses 127.0.0.1 … 127.0.0.N, each holding at most CONNECTIONS_PER_SOURCE_ADDRESS. */
  sourceAddresses: z.number(),
});
export type RampPlan = z.infer<typeof rampPlanSchema>;

/** Server CPU over a hold window. */
export const holdCpuSchema = z.object({
  /** Window length, ms. */
  windowMs: z.number(),
  /** Busy share of the server's pinned core(s) (/proc/stat), %; null when the server is not pinned. */
  coreBusyPct: z.number().nullable(),
  /** The server process's own CPU (user + system) over the window, % of one core. */
  processCpuPct: z.number(),
  /**
   * The window ended while the connections were still held (false: the load had closed them, so the figure includes
   * the closes). Absent in result sets written before it was recorded.
   */
  inHold: z.boolean().optional(),
});
export type HoldCpu = z.infer<typeof holdCpuSchema>;

/** The heartbeat phase: a second server with WSARENA_PING_INTERVAL_S, ramped to the same count and held. */
export const heartbeatDetailsSchema = z.object({
  /** WSARENA_PING_INTERVAL_S of the second server. */
  intervalS: z.number(),
  /** Connections open on it (its /stats) when the window started. */
  heldConnections: z.number(),
  /** Server CPU over the window with heartbeats on. */
  on: holdCpuSchema,
  /**
   * Heartbeats' cost: the server process's CPU with them on minus off, % of one core. The headline: on a shared
   * machine the pinned core's busy share also counts other processes' work (see costCoreBusyPct). Absent in result
   * sets written before it was the headline (they stored the core's share as costCorePct).
   */
  costCpuPct: z.number().optional(),
  /** Pinned-core busy % on minus off (includes kernel work charged to no process, and any foreign work); null when unpinned; absent in older sets. */
  costCoreBusyPct: z.number().nullable().optional(),
  /** Pings the server sent per second (held connections / interval). */
  pingsPerSec: z.number(),
  /** Server process CPU per ping, µs ((CPU on − CPU off) / pings). */
  cpuUsPerPing: z.number(),
  /** Connections that ended while the pings ran (/stats before and after the window; the client answers every ping, so any is a failure). */
  closedDuringHold: z.number(),
  /** Connect summary of its ramp. */
  connectPerSec: z.number(),
});
export type HeartbeatDetails = z.infer<typeof heartbeatDetailsSchema>;

/** `details` of a connections repetition. */
export const connectionsDetailsSchema = z.object({
  /** The OS limits read before the ramp (server: its own /proc/<pid>/limits). */
  limits: machineLimitsSchema,
  /** The ramp as sized from them: connections, which limit capped it, workers, source addresses. */
  ramp: rampPlanSchema,
  /** Open connections on the server (/stats) when the hold started. */
  heldConnections: z.number(),
  /** What stopped the ramp short of ramp.connections: the OS limit a connect error names, "other" (see errors), or null when all opened. */
  stoppedBy: z.enum(["file-descriptors", "ephemeral-ports", "memory", "other"]).nullable(),
  /** Server RSS before the ramp, bytes (null when unavailable). */
  rssBeforeBytes: z.number().nullable(),
  /** Server RSS with the connections held, bytes (null when unavailable). */
  rssHeldBytes: z.number().nullable(),
  /** Server RSS after POST /gc with the connections held, bytes (null when unavailable). */
  rssAfterGcBytes: z.number().nullable(),
  /** (RSS held − RSS before) / held connections, bytes. */
  rssPerConnectionBytes: z.number().nullable(),
  /** The same after the GC, bytes. */
  rssPerConnectionAfterGcBytes: z.number().nullable(),
  /** Server CPU over the hold window, heartbeats off. */
  off: holdCpuSchema,
  /** The heartbeat phase, or null when the profile runs none. */
  heartbeat: heartbeatDetailsSchema.nullable(),
  /** Why there is no heartbeat phase, when heartbeat is null. */
  heartbeatSkipped: z.string().nullable(),
});
export type ConnectionsDetails = z.infer<typeof connectionsDetailsSchema>;
