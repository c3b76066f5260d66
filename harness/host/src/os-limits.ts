// Reads the OS limits that bound how many connections one machine can hold (open files per process, ephemeral ports,
// memory) and sizes a connection ramp from them, naming the limit that caps it.
import { readFileSync } from "node:fs";
import type { MachineLimits, OpenFilesLimit, RampCap, RampPlan } from "@wsarena/results";

/** Open files a process keeps for itself besides its connections (listening socket, epoll, stdio, runtime internals). */
export const FD_RESERVE = 1_000;
/** Connections per load worker: several workers, each far under its open-file limit. */
export const CONNECTIONS_PER_WORKER = 10_000;
/** Most load workers a ramp spreads over. */
export const MAX_WORKERS = 16;
/** Connections per source address: a margin under the ephemeral port range (28,232 ports with the Linux default). */
export const CONNECTIONS_PER_SOURCE_ADDRESS = 10_000;
/** Source addresses available on loopback for the load generator (127.0.0.1 … 127.0.0.254). */
export const MAX_SOURCE_ADDRESSES = 254;
/**
 * Memory budgeted per connection for both ends (server and client state plus two kernel sockets): an upper bound from
 * several times the heaviest stack's RSS per connection (see the connections results), so a ramp never pushes the
 * machine into swap.
 */
export const BUDGET_BYTES_PER_CONNECTION = 64 * 1024;
/** Share of MemAvailable a ramp may use. */
export const MEMORY_SHARE = 0.5;

const limitValue = (s: string): number | null => (s === "unlimited" ? null : Number(s));

/** RLIMIT_NOFILE from the text of /proc/<pid>/limits ("Max open files  20000  20000  files"). */
export function parseOpenFiles(procLimits: string): OpenFilesLimit {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(procLimits);
  if (!m) throw new Error('no "Max open files" line in /proc/<pid>/limits');
  return { soft: limitValue(m[1]!), hard: limitValue(m[2]!) };
}

/** The ephemeral port range from the text of /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999"). */
export function parsePortRange(text: string): { low: number; high: number } {
  const [low, high] = text.trim().split(/\s+/).map(Number);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high! < low!)
    throw new Error(`ip_local_port_range "${text.trim()}": expected two port numbers, low first`);
  return { low: low!, high: high! };
}

/** MemAvailable in bytes from the text of /proc/meminfo. */
export function parseMemAvailable(meminfo: string): number {
  const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(meminfo);
  if (!m) throw new Error("no MemAvailable line in /proc/meminfo");
  return Number(m[1]) * 1024;
}

function tryRead<T>(path: string, parse: (s: string) => T): T | null {
  try {
    return parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

/** Reads the limits now; `serverPid` = the server whose open-file limit counts (default: this process, which servers inherit). */
export function readMachineLimits(serverPid?: number): MachineLimits {
  const unknown: OpenFilesLimit = { soft: null, hard: null };
  const self = tryRead("/proc/self/limits", parseOpenFiles) ?? unknown;
  return {
    serverOpenFiles: serverPid === undefined ? self : (tryRead(`/proc/${serverPid}/limits`, parseOpenFiles) ?? self),
    clientOpenFiles: self,
    ephemeralPorts: tryRead("/proc/sys/net/ipv4/ip_local_port_range", parsePortRange),
    memAvailableBytes: tryRead("/proc/meminfo", parseMemAvailable),
    fileMax: tryRead("/proc/sys/fs/file-max", (s) => Number(s.trim())),
  };
}

/** One OS limit on connections: which, its own value (open files, ports, bytes), the connections it allows and why. */
export interface ConnectionLimit {
  cap: Exclude<RampCap, "profile">;
  /** The limit's own value: open files (RLIMIT_NOFILE soft or fs.file-max), ephemeral ports per address, or MemAvailable bytes. */
  value: number;
  /** Connections it allows. */
  allows: number;
  /** What it is, with its value, in words. */
  reason: string;
}

/** Every readable limit on connections (the server's and the workers' open files, the system's, ephemeral ports, memory). */
export function connectionLimits(limits: MachineLimits): ConnectionLimit[] {
  const caps: ConnectionLimit[] = [];
  const serverFd = limits.serverOpenFiles.soft;
  if (serverFd !== null)
    caps.push({
      cap: "file-descriptors",
      value: serverFd,
      allows: serverFd - FD_RESERVE,
      reason: `the server's open-file limit (RLIMIT_NOFILE soft ${serverFd}, hard ${limits.serverOpenFiles.hard ?? "unlimited"}) less ${FD_RESERVE} for its own files`,
    });
  const clientFd = limits.clientOpenFiles.soft;
  if (clientFd !== null)
    caps.push({
      cap: "file-descriptors",
      value: clientFd,
      allows: (clientFd - FD_RESERVE) * MAX_WORKERS,
      reason: `the load workers' open-file limit (RLIMIT_NOFILE soft ${clientFd}) × ${MAX_WORKERS} workers`,
    });
  if (limits.fileMax !== null)
    caps.push({
      cap: "file-descriptors",
      value: limits.fileMax,
      allows: Math.floor(limits.fileMax / 2) - FD_RESERVE,
      reason: `the system's open-file limit (fs.file-max ${limits.fileMax}) for both ends of every connection`,
    });
  if (limits.ephemeralPorts) {
    const ports = limits.ephemeralPorts.high - limits.ephemeralPorts.low + 1;
    const perAddress = Math.min(ports, CONNECTIONS_PER_SOURCE_ADDRESS);
    caps.push({
      cap: "ephemeral-ports",
      value: ports,
      allows: perAddress * MAX_SOURCE_ADDRESSES,
      reason: `ephemeral ports (${ports} per source address, ${limits.ephemeralPorts.low}–${limits.ephemeralPorts.high}; ${perAddress} used per address) × ${MAX_SOURCE_ADDRESSES} loopback addresses`,
    });
  }
  if (limits.memAvailableBytes !== null) {
    caps.push({
      cap: "memory",
      value: limits.memAvailableBytes,
      allows: Math.floor((limits.memAvailableBytes * MEMORY_SHARE) / BUDGET_BYTES_PER_CONNECTION),
      reason: `memory (${(MEMORY_SHARE * 100).toFixed(0)} % of MemAvailable ${(limits.memAvailableBytes / 2 ** 30).toFixed(1)} GiB at ${BUDGET_BYTES_PER_CONNECTION / 1024} KiB per connection)`,
    });
  }
  return caps;
}

/** The limit that allows the fewest connections (the first named on a tie), or null when none is readable. */
export function lowestLimit(limits: MachineLimits): ConnectionLimit | null {
  return connectionLimits(limits).reduce<ConnectionLimit | null>((a, c) => (a === null || c.allows < a.allows ? c : a), null);
}

/** Sizes a ramp of `requested` connections to `limits`: the lowest limit wins and is named. */
export function planRamp(requested: number, limits: MachineLimits): RampPlan {
  const clientFd = limits.clientOpenFiles.soft;
  const lowest = lowestLimit(limits);
  // A limit that allows exactly the request is named too: the ramp stands at that limit.
  const capped = lowest !== null && lowest.allows <= requested;
  const connections = Math.max(1, capped ? lowest.allows : requested);
  const perWorker = Math.min(CONNECTIONS_PER_WORKER, clientFd === null ? Infinity : clientFd - FD_RESERVE);
  return {
    requested,
    connections,
    cappedBy: capped ? lowest.cap : "profile",
    reason: capped
      ? `${connections} connections, set by ${lowest.reason}`
      : `${connections} connections as requested; the lowest limit, ${lowest ? `${lowest.reason}, allows ${lowest.allows}` : "none readable"}`,
    workers: Math.min(MAX_WORKERS, Math.max(1, Math.ceil(connections / Math.max(1, perWorker)))),
    sourceAddresses: Math.min(MAX_SOURCE_ADDRESSES, Math.max(1, Math.ceil(connections / CONNECTIONS_PER_SOURCE_ADDRESS))),
  };
}

/** Which OS limit a connect error names (EMFILE/ENFILE: file descriptors; EADDRNOTAVAIL: ephemeral ports; ENOMEM/ENOBUFS: memory), or null. */
export function limitOfError(message: string): Exclude<RampCap, "profile"> | null {
  if (/\bE[MN]FILE\b/.test(message)) return "file-descriptors";
  if (/\bEADDRNOTAVAIL\b/.test(message)) return "ephemeral-ports";
  if (/\bENO(MEM|BUFS)\b/.test(message)) return "memory";
  return null;
}
