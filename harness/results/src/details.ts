// Typed `details` of the scenarios whose repetitions store more than a load result, shared by the runner (writes them) and the report (reads them).
import type { BackpressurePolicy } from "@wsarena/protocol";
import type { SlopeFit } from "@wsarena/stats";

/** Open-file limit of a process (RLIMIT_NOFILE); null = unlimited. */
export interface OpenFilesLimit {
  soft: number | null;
  hard: number | null;
}

/** What bounds the connections of one run on this machine. */
export interface MachineLimits {
  /** RLIMIT_NOFILE of the server process (/proc/<pid>/limits), or of this process when no pid was given. */
  serverOpenFiles: OpenFilesLimit;
  /** RLIMIT_NOFILE of the load workers (they inherit this process's, /proc/self/limits). */
  clientOpenFiles: OpenFilesLimit;
  /** net.ipv4.ip_local_port_range: ephemeral ports per source address (low, high inclusive); null when unreadable. */
  ephemeralPorts: { low: number; high: number } | null;
  /** MemAvailable of /proc/meminfo in bytes; null when unreadable. */
  memAvailableBytes: number | null;
  /** fs.file-max: open files of the whole system; null when unreadable. */
  fileMax: number | null;
}

/** Which limit set the connection target. */
export type RampCap = "profile" | "file-descriptors" | "ephemeral-ports" | "memory";

/** A ramp sized to the machine. */
export interface RampPlan {
  /** Connections the profile asked for. */
  requested: number;
  /** Connections to open: the requested count, or less when a limit is lower. */
  connections: number;
  /** The limit that set `connections` ("profile" when none was lower than the request). */
  cappedBy: RampCap;
  /** One sentence: which limit, its value and the count it allows. */
  reason: string;
  /** Load worker processes, each holding at most CONNECTIONS_PER_WORKER (and under its open-file limit). */
  workers: number;
  /** Source addresses 127.0.0.1 … 127.0.0.N, each holding at most CONNECTIONS_PER_SOURCE_ADDRESS. */
  sourceAddresses: number;
}

/** Server CPU over a hold window. */
export interface HoldCpu {
  /** Window length, ms. */
  windowMs: number;
  /** Busy share of the server's pinned core(s) (/proc/stat), %; null when the server is not pinned. */
  coreBusyPct: number | null;
  /** The server process's own CPU (user + system) over the window, % of one core. */
  processCpuPct: number;
  /** The window ended while the connections were still held (false: the load had closed them, so the figure includes the closes). */
  inHold: boolean;
}

/** The heartbeat phase: a second server with WSARENA_PING_INTERVAL_S, ramped to the same count and held. */
export interface HeartbeatDetails {
  /** WSARENA_PING_INTERVAL_S of the second server. */
  intervalS: number;
  /** Connections open on it (its /stats) when the window started. */
  heldConnections: number;
  /** Server CPU over the window with heartbeats on. */
  on: HoldCpu;
  /**
   * Heartbeats' cost: the server process's CPU with them on minus off, % of one core. The headline: on a shared
   * machine the pinned core's busy share also counts other processes' work (see costCoreBusyPct).
   */
  costCpuPct: number;
  /** Pinned-core busy % on minus off (includes kernel work charged to no process, and any foreign work); null when unpinned. */
  costCoreBusyPct: number | null;
  /** Pings the server sent per second (held connections / interval). */
  pingsPerSec: number;
  /** Server process CPU per ping, µs ((CPU on − CPU off) / pings). */
  cpuUsPerPing: number;
  /** Connections that ended while the pings ran (/stats before and after the window; the client answers every ping, so any is a failure). */
  closedDuringHold: number;
  /** Connect summary of its ramp. */
  connectPerSec: number;
}

/** `details` of a connections repetition (stored on the repetition record). */
export interface ConnectionsDetails {
  /** The OS limits read before the ramp (server: its own /proc/<pid>/limits). */
  limits: MachineLimits;
  /** The ramp as sized from them: connections, which limit capped it, workers, source addresses. */
  ramp: RampPlan;
  /** Open connections on the server (/stats) when the hold started. */
  heldConnections: number;
  /** What stopped the ramp short of ramp.connections: the OS limit a connect error names, "other" (see errors), or null when all opened. */
  stoppedBy: Exclude<RampCap, "profile"> | "other" | null;
  /** Server RSS before the ramp, with the connections held, and after POST /gc with them held (bytes; null when unavailable). */
  rssBeforeBytes: number | null;
  rssHeldBytes: number | null;
  rssAfterGcBytes: number | null;
  /** (RSS held − RSS before) / held connections, and the same after the GC, bytes. */
  rssPerConnectionBytes: number | null;
  rssPerConnectionAfterGcBytes: number | null;
  /** Server CPU over the hold window, heartbeats off. */
  off: HoldCpu;
  /** The heartbeat phase, or null when the profile runs none. */
  heartbeat: HeartbeatDetails | null;
  /** Why there is no heartbeat phase, when heartbeat is null. */
  heartbeatSkipped: string | null;
}

/** What one slow-consumer point stores in its repetition's `details`. */
export interface SlowConsumerDetails {
  /** WSARENA_BACKPRESSURE of the server, or "none" for the baseline. */
  policy: BackpressurePolicy | "none";
  slowConsumers: number;
  /** Bytes per second offered to all slow consumers together (rate × tick bytes × k). */
  offeredBytesPerSec: number;
  /** Epoch ms of the first RSS sample; sample and window times below are ms after it. */
  startMs: number;
  rssSampleMs: number;
  /** [ms after startMs, server RSS bytes] from before the slow consumers connected to after the window. */
  rss: Array<[number, number]>;
  /** The fast subscribers' measured window, ms after startMs. */
  windowStartOffsetMs: number;
  windowEndOffsetMs: number;
  /** RSS slope over the window (bytes/s, 95 % interval), or null with too few samples. */
  rssSlope: SlopeFit | null;
  /** "growing": slope significantly > 0 and ≥ 10 % of offeredBytesPerSec; "bounded" otherwise (see slope.ts). */
  rssGrowth: "growing" | "bounded" | "unknown" | "none";
  rssMaxBytes: number;
  /** The RSS cap was passed and the slow consumers were cut off. */
  capHit: boolean;
  /** Counted by the slow consumers themselves after the window (they read what was kept for up to SLOW_DRAIN_MS). */
  slowClient: {
    /** Ticks received, and ticks missing from their sequences (what was dropped for them). */
    received: number;
    gaps: number;
    /** Slow consumers the server closed (any close frame or TCP close before the drain ended), and their close codes. */
    closed: number;
    closeCodes: Record<string, number>;
  };
}

/** What a soak repetition stores in `details`. */
export interface SoakDetails {
  /** Epoch ms of the first sample; times below are ms after it. */
  startMs: number;
  sampleMs: number;
  /** [ms after startMs, server RSS bytes], one per second from before warm-up to after the window. */
  rss: Array<[number, number]>;
  /** [ms after startMs, probe p50 µs, probe p99 µs, ticks in that second], one per second. */
  latency: Array<[number, number, number, number]>;
  windowStartOffsetMs: number;
  windowEndOffsetMs: number;
  /** RSS slope over the window (after warm-up), KiB/min, with its 95 % interval (autocorrelation-adjusted; see slope.ts). */
  rssSlopeKibPerMin: number;
  rssSlopeCiKibPerMin: [number, number] | null;
  /** Samples fitted, and their effective number after autocorrelation. */
  rssSamples: number;
  rssEffectiveSamples: number;
  /** True when the RSS slope's interval lies above zero (the repetition carries the suspected-leak flag). */
  suspectedLeak: boolean;
  /** Slope of the probe's per-second p99 over the window, µs per minute, with its 95 % interval, or null. */
  p99SlopeUsPerMin: number | null;
  p99SlopeCiUsPerMin: [number, number] | null;
  /** The probe's own counts (a gap is a tick the server skipped for it). */
  probe: { received: number; gaps: number };
}
