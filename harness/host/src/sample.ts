// Samples a server process (CPU from /proc/<pid>/stat, RSS from /proc/<pid>/status) and its pinned cores (/proc/stat),
// with the exact run-time counters of exact-cpu.ts alongside for the window figures.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { ServerSample, ServerUsage } from "@wsarena/results";
import { type ExactReading, ProcessCpuTracker, preciseNowMs, readCoreCounters } from "./exact-cpu.ts";

/** Default sampling period. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 100;
/** Samples kept per window in result files (evenly downsampled). */
export const MAX_STORED_SAMPLES = 60;

let clockTicks: number | undefined;
/** Kernel clock ticks per second (getconf CLK_TCK, 100 on Linux). */
export function clockTicksPerSec(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields 3 and on of /proc/<pid>/stat (index 0 = field 3, state; 1 = ppid), or null when the process is gone. */
export function readProcStatFields(pid: number): string[] | null {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm (field 2) may contain spaces and parentheses: fields resume after the last ")".
  return s.slice(s.lastIndexOf(")") + 2).split(" ");
}

/** user + system clock ticks of process `pid` (all its threads), or null when it is gone. */
export function readProcessCpuTicks(pid: number): number | null {
  const f = readProcStatFields(pid);
  return f ? Number(f[11]) + Number(f[12]) : null; // utime (14), stime (15)
}

/** VmRSS of process `pid` in bytes, or null when it is gone. */
export function readRssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Busy and total clock ticks of one cpu from /proc/stat. */
export interface CoreTicks {
  busy: number;
  total: number;
  /** Ticks the hypervisor ran something else while this virtual cpu wanted to run (8th value), or null when the kernel does not report it. */
  steal: number | null;
}

/** Busy/total/steal ticks of each cpu in `cpus` from the text of /proc/stat (busy = total − idle − iowait). */
export function parseCoreTicks(procStat: string, cpus: readonly number[]): CoreTicks[] {
  const lines = procStat.split("\n");
  return cpus.map((c) => {
    const line = lines.find((l) => l.startsWith(`cpu${c} `));
    if (!line) return { busy: 0, total: 0, steal: null };
    // user nice system idle iowait irq softirq steal guest guest_nice; steal exists since Linux 2.6.11.
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal; guest is already in user
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total, steal: v.length >= 8 ? v[7]! : null };
  });
}

/** Busy/total/steal ticks of each cpu in `cpus`, read now. */
export function readCoreTicks(cpus: readonly number[]): CoreTicks[] {
  return parseCoreTicks(readFileSync("/proc/stat", "utf8"), cpus);
}

/** One raw reading; cumulative counters, so any two readings give usage over the time between them. */
export interface RawReading {
  /** Epoch ms. */
  atMs: number;
  cpuTicks: number;
  rssBytes: number;
  cores: CoreTicks[];
  /** Exact counters of the same moment (process run time, the same cores); null when the process vanished mid-reading, absent in hand-made readings. */
  exact?: ExactReading | null;
}

/** A running sampler; stop() ends it and returns its readings. */
export interface Sampler {
  readings(): readonly RawReading[];
  stop(): RawReading[];
  /**
   * Samples `pid` from now on (a restarted server). CPU ticks stay cumulative across the switch: the new process's ticks
   * are added to the old one's last reading (what the old one used after that reading is lost, at most one interval).
   */
  follow(pid: number): void;
}

/** Reads `pid` and `cpus` every intervalMs until stop(); stops by itself when the process is gone. */
export function startSampler(pid: number, cpus: readonly number[], intervalMs = DEFAULT_SAMPLE_INTERVAL_MS): Sampler {
  const out: RawReading[] = [];
  let tickOffset = 0;
  let stopped = false;
  const tracker = new ProcessCpuTracker(pid);
  const hz = clockTicksPerSec();
  const take = (): boolean => {
    // The exact counters first and together (a few µs apart), then the tick figures of the charts.
    const atMs = preciseNowMs();
    const run = tracker.read();
    const procStat = readFileSync("/proc/stat", "utf8");
    const coreCounters = readCoreCounters(cpus, hz, procStat);
    const cpuTicks = readProcessCpuTicks(pid);
    const rssBytes = readRssBytes(pid);
    if (cpuTicks === null || rssBytes === null) return false;
    const exact = run ? { atMs, processCpuNs: run.cpuNs, exitedThreads: run.exitedThreads, cores: coreCounters } : null;
    out.push({ atMs: Date.now(), cpuTicks: tickOffset + cpuTicks, rssBytes, cores: parseCoreTicks(procStat, cpus), exact });
    return true;
  };
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    timer = setInterval(() => {
      if (!take() && timer) {
        clearInterval(timer);
        timer = null;
      }
    }, intervalMs);
    timer.unref();
  };
  take();
  schedule();
  return {
    readings: () => out,
    stop: () => {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      take();
      return out;
    },
    follow: (next) => {
      if (stopped) return;
      tickOffset = out.length ? out[out.length - 1]!.cpuTicks : 0;
      pid = next;
      tracker.follow(next);
      if (timer) clearInterval(timer);
      take();
      schedule();
    },
  };
}

/** Evenly picks at most `max` items, keeping the first and the last. */
export function downsample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))]!);
  return out;
}

/** Server usage between startMs and endMs (epoch) from raw readings; null with fewer than two readings in range. */
export function summariseUsage(
  readings: readonly RawReading[],
  startMs: number,
  endMs: number,
  intervalMs = DEFAULT_SAMPLE_INTERVAL_MS,
  /** How many of the sampled cores (the first ones) are the server's; the rest (client cores) are left out. */
  serverCoreCount?: number,
): ServerUsage | null {
  // Include the last reading at or before the start so the first interval covers the window start.
  let first = 0;
  for (let i = 0; i < readings.length; i++) if (readings[i]!.atMs <= startMs) first = i;
  const n = serverCoreCount ?? readings[0]?.cores.length ?? 0;
  const inRange = readings
    .slice(first)
    .filter((r, i) => i === 0 || r.atMs <= endMs + intervalMs / 2)
    .map((r) => ({ ...r, cores: r.cores.slice(0, n) }));
  if (inRange.length < 2) return null;
  const hz = clockTicksPerSec();
  const samples: ServerSample[] = [];
  for (let i = 1; i < inRange.length; i++) {
    const a = inRange[i - 1]!;
    const b = inRange[i]!;
    const dtSec = Math.max(1e-6, (b.atMs - a.atMs) / 1000);
    samples.push({
      tMs: b.atMs - inRange[0]!.atMs,
      cpuPct: round1(((b.cpuTicks - a.cpuTicks) / hz / dtSec) * 100),
      rssBytes: b.rssBytes,
      coreBusyPct: b.cores.map((c, k) => {
        const dt = c.total - (a.cores[k]?.total ?? 0);
        return dt > 0 ? round1(((c.busy - (a.cores[k]?.busy ?? 0)) / dt) * 100) : 0;
      }),
    });
  }
  const a = inRange[0]!;
  const b = inRange[inRange.length - 1]!;
  const wallSec = Math.max(1e-6, (b.atMs - a.atMs) / 1000);
  let busy = 0;
  let total = 0;
  b.cores.forEach((c, k) => {
    busy += c.busy - (a.cores[k]?.busy ?? 0);
    total += c.total - (a.cores[k]?.total ?? 0);
  });
  return {
    intervalMs,
    sampleCount: samples.length,
    cpuPct: round1(((b.cpuTicks - a.cpuTicks) / hz / wallSec) * 100),
    cpuPctMax: Math.max(...samples.map((s) => s.cpuPct)),
    coreBusyPct: b.cores.length && total > 0 ? round1((busy / total) * 100) : null,
    rssBytesStart: a.rssBytes,
    rssBytesEnd: b.rssBytes,
    rssBytesMax: Math.max(...inRange.map((r) => r.rssBytes)),
    samples: downsample(samples, MAX_STORED_SAMPLES),
  };
}

/** The readings that bracket a window: the last at or before its start and the last by its end (half an interval of slack), or null. */
function windowEnds(readings: readonly RawReading[], startMs: number, endMs: number): [RawReading, RawReading] | null {
  let first = 0;
  for (let i = 0; i < readings.length; i++) if (readings[i]!.atMs <= startMs) first = i;
  let last = first;
  for (let i = first; i < readings.length; i++) if (readings[i]!.atMs <= endMs + DEFAULT_SAMPLE_INTERVAL_MS / 2) last = i;
  return last > first ? [readings[first]!, readings[last]!] : null;
}

/** Mean busy % of the sampled cores at `indices` between startMs and endMs, or null with fewer than two readings in range. */
export function coreBusyBetween(readings: readonly RawReading[], startMs: number, endMs: number, indices: readonly number[]): number | null {
  const ends = windowEnds(readings, startMs, endMs);
  if (!ends || indices.length === 0) return null;
  const [a, b] = ends;
  let busy = 0;
  let total = 0;
  for (const k of indices) {
    busy += (b.cores[k]?.busy ?? 0) - (a.cores[k]?.busy ?? 0);
    total += (b.cores[k]?.total ?? 0) - (a.cores[k]?.total ?? 0);
  }
  return total > 0 ? round1((busy / total) * 100) : null;
}

/**
 * Steal time of the sampled cores at `indices` between startMs and endMs, % of their total ticks (busy share stolen by
 * the hypervisor); null when the kernel does not report steal or fewer than two readings are in range.
 */
export function stealBetween(readings: readonly RawReading[], startMs: number, endMs: number, indices: readonly number[]): number | null {
  const ends = windowEnds(readings, startMs, endMs);
  if (!ends || indices.length === 0) return null;
  const [a, b] = ends;
  let steal = 0;
  let total = 0;
  for (const k of indices) {
    const sa = a.cores[k]?.steal;
    const sb = b.cores[k]?.steal;
    if (sa === null || sa === undefined || sb === null || sb === undefined) return null;
    steal += sb - sa;
    total += (b.cores[k]?.total ?? 0) - (a.cores[k]?.total ?? 0);
  }
  return total > 0 ? round1((steal / total) * 100) : null;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
