// Exact CPU time, ns, from the scheduler's run-time counters: a process as the sum of its threads' run time, a core as the
// run time of every task on it (cgroup v1 cpuacct) or, where that is missing, wall time minus the kernel's idle time.
import { readdirSync, readFileSync } from "node:fs";
import type { ExactCpu } from "@wsarena/results";

/** Per-cpu run time of all tasks, ns (the root of the cgroup v1 cpuacct hierarchy charges every task). */
export const CPUACCT_PERCPU_PATH = "/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu";

/** Run time in ns from the text of a /proc/<pid>/task/<tid>/schedstat file (its first field), or null when it is not a number. */
export function parseSchedstatNs(text: string): number | null {
  const first = text.trim().split(/\s+/)[0];
  const ns = first === undefined || first === "" ? NaN : Number(first);
  return Number.isFinite(ns) ? ns : null;
}

/** Run time, ns, of each live thread of `pid` (tid → ns), or null when the process is gone. */
export function readThreadRunNs(pid: number): Map<number, number> | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = new Map<number, number>();
  for (const tid of tids) {
    try {
      const ns = parseSchedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8"));
      if (ns !== null) out.set(Number(tid), ns);
    } catch {
      // The thread exited between the listing and the read: the tracker keeps its last figure.
    }
  }
  return out;
}

/** Run time of each cpu, ns, from the text of cpuacct.usage_percpu (index = cpu number). */
export function parseCpuacctPercpu(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== "")
    .map(Number);
}

/** The cumulative /proc/stat counters of one cpu that exact figures use, converted from clock ticks to ns. */
export interface CpuStatNs {
  /** idle + iowait: the kernel keeps these exactly (ns) on tickless kernels; /proc/stat rounds them to ticks. */
  idleNs: number;
  /** irq + softirq (clock-tick samples unless the kernel has IRQ_TIME_ACCOUNTING). */
  irqNs: number;
  /** steal, or null when the kernel does not report it. */
  stealNs: number | null;
}

/** idle/irq/steal ns of each cpu in `cpus` from the text of /proc/stat, or null for a cpu it does not list. */
export function parseCpuStatNs(procStat: string, cpus: readonly number[], ticksPerSec: number): Array<CpuStatNs | null> {
  const nsPerTick = 1e9 / ticksPerSec;
  const lines = procStat.split("\n");
  return cpus.map((c) => {
    const line = lines.find((l) => l.startsWith(`cpu${c} `));
    if (!line) return null;
    // user nice system idle iowait irq softirq steal guest guest_nice
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    return {
      idleNs: ((v[3] ?? 0) + (v[4] ?? 0)) * nsPerTick,
      irqNs: ((v[5] ?? 0) + (v[6] ?? 0)) * nsPerTick,
      stealNs: v.length >= 8 ? v[7]! * nsPerTick : null,
    };
  });
}

/** Cumulative counters of one core at one reading. */
export interface CoreCounters {
  cpu: number;
  /** Run time of every task on this cpu, ns (cpuacct), or null where cpuacct is not mounted. */
  runNs: number | null;
  idleNs: number;
  irqNs: number;
  stealNs: number | null;
}

/** Counters of each cpu in `cpus`; `procStat` is the text of /proc/stat (read here when not given). */
export function readCoreCounters(cpus: readonly number[], ticksPerSec: number, procStat?: string): CoreCounters[] {
  let run: number[] | null = null;
  try {
    run = parseCpuacctPercpu(readFileSync(CPUACCT_PERCPU_PATH, "utf8"));
  } catch {
    run = null; // cgroup v2 only: no per-cpu run time of all tasks; the idle time stands in
  }
  const stat = parseCpuStatNs(procStat ?? readFileSync("/proc/stat", "utf8"), cpus, ticksPerSec);
  return cpus.map((cpu, i) => {
    const s = stat[i] ?? { idleNs: 0, irqNs: 0, stealNs: null };
    return { cpu, runNs: run?.[cpu] ?? null, ...s };
  });
}

/**
 * A process's cumulative CPU, ns: the sum over every thread seen of its last run time. Residual error: a thread that exits
 * between two reads loses what it ran after the first of them (counted in `exitedThreads`), and one that starts and exits
 * between two reads is not seen at all (servers keep their threads; /proc/<pid>/stat utime+stime keeps dead threads, but
 * in clock ticks, so ServerUsage.cpuPct shows such a loss only roughly). The schedstat of a running thread lags by up to one
 * scheduler tick (it is brought up to date at ticks and switches), as cpuacct does, so neither gains on the other.
 */
export class ProcessCpuTracker {
  private last = new Map<number, number>();
  /** Run time of threads gone (or tids reused), plus everything before follow(). */
  private retiredNs = 0;
  private exited = 0;

  constructor(private pid: number) {}

  /** Cumulative run time and exited-thread count now, or null when the process is gone. */
  read(): { cpuNs: number; exitedThreads: number } | null {
    const now = readThreadRunNs(this.pid);
    if (!now) return null;
    for (const [tid, ns] of this.last) {
      const cur = now.get(tid);
      if (cur === undefined) {
        this.retiredNs += ns;
        this.exited++;
      } else if (cur < ns) this.retiredNs += ns; // tid reused by a new thread: the old one is gone
    }
    this.last = now;
    let live = 0;
    for (const ns of now.values()) live += ns;
    return { cpuNs: this.retiredNs + live, exitedThreads: this.exited };
  }

  /** Tracks `pid` from now on (a restarted server); the total stays cumulative (the old process's last figures are kept). */
  follow(pid: number): void {
    for (const ns of this.last.values()) this.retiredNs += ns;
    this.last = new Map();
    this.pid = pid;
  }
}

/** One exact reading: cumulative counters, so any two give figures over the time between them. */
export interface ExactReading {
  /** Epoch ms with sub-ms precision (performance.timeOrigin + performance.now(): monotonic between readings). */
  atMs: number;
  processCpuNs: number;
  exitedThreads: number;
  cores: CoreCounters[];
}

/** Epoch ms now, monotonic within this process. */
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The readings a window's figures span: the first at or after its start to the last at or before its end (inside the
 * window, so warm-up and drain stay out); with fewer than two inside, the last before the start to the first after the end.
 */
export function exactSpan(readings: readonly ExactReading[], startMs: number, endMs: number): [ExactReading, ExactReading] | null {
  const inside = readings.filter((r) => r.atMs >= startMs && r.atMs <= endMs);
  if (inside.length >= 2) return [inside[0]!, inside[inside.length - 1]!];
  const before = readings.filter((r) => r.atMs <= startMs).at(-1) ?? readings[0];
  const after = readings.find((r) => r.atMs >= endMs) ?? readings.at(-1);
  return before && after && after.atMs > before.atMs ? [before, after] : null;
}

/** Busy % of each core over [a, b]: task run time where cpuacct exists, else wall time minus idle time. */
function coreBusy(a: ExactReading, b: ExactReading, indices: readonly number[], wallNs: number): { pct: number[]; source: "cpuacct" | "idle" } {
  const cpuacct = indices.every((k) => a.cores[k]?.runNs != null && b.cores[k]?.runNs != null);
  const pct = indices.map((k) => {
    const ca = a.cores[k]!;
    const cb = b.cores[k]!;
    const busyNs = cpuacct ? cb.runNs! - ca.runNs! : wallNs - (cb.idleNs - ca.idleNs);
    return clampPct((busyNs / wallNs) * 100);
  });
  return { pct, source: cpuacct ? "cpuacct" : "idle" };
}

/** Sum over `indices` of b − a of one counter, or null when a reading lacks it. */
function counterDelta(a: ExactReading, b: ExactReading, indices: readonly number[], pick: (c: CoreCounters) => number | null): number | null {
  let sum = 0;
  for (const k of indices) {
    const x = a.cores[k] ? pick(a.cores[k]!) : null;
    const y = b.cores[k] ? pick(b.cores[k]!) : null;
    if (x === null || y === null) return null;
    sum += y - x;
  }
  return sum;
}

/**
 * Exact figures of the window [startMs, endMs] (epoch ms): the readings' cores are the server's first `serverCoreCount`,
 * then the client's. `msgsPerSec` (messages delivered over the window) gives the CPU per message. Null without two readings.
 */
export function exactWindowCpu(
  readings: readonly ExactReading[],
  startMs: number,
  endMs: number,
  serverCoreCount: number,
  msgsPerSec: number,
): ExactCpu | null {
  const span = exactSpan(readings, startMs, endMs);
  if (!span) return null;
  const [a, b] = span;
  const wallNs = (b.atMs - a.atMs) * 1e6;
  const processCpuNs = Math.round(b.processCpuNs - a.processCpuNs);
  const server = [...Array(Math.min(serverCoreCount, a.cores.length)).keys()];
  const client = [...Array(Math.max(0, a.cores.length - server.length)).keys()].map((i) => server.length + i);
  const sc = coreBusy(a, b, server, wallNs);
  const irq = counterDelta(a, b, server, (c) => c.irqNs);
  const steal = counterDelta(a, b, server, (c) => c.stealNs);
  const perCorePct = (ns: number | null) => (ns === null || !server.length ? null : round2((ns / wallNs / server.length) * 100));
  const cpuNsPerSec = processCpuNs / (wallNs / 1e9);
  return {
    spanStartMs: a.atMs,
    spanEndMs: b.atMs,
    processCpuNs,
    processCpuPct: round2((processCpuNs / wallNs) * 100),
    exitedThreads: b.exitedThreads - a.exitedThreads,
    coreSource: server.length ? sc.source : null,
    coreBusyPctEach: sc.pct.map(round2),
    coreBusyPct: server.length ? round2(mean(sc.pct)) : null,
    coreIrqPct: perCorePct(irq),
    coreStealPct: perCorePct(steal),
    clientCoreBusyPct: client.length ? round2(mean(coreBusy(a, b, client, wallNs).pct)) : null,
    serverCpuUsPerMsg: msgsPerSec > 0 ? round3(cpuNsPerSec / 1e3 / msgsPerSec) : null,
  };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Counters read a few µs apart can put a fully busy or idle core a hair outside 0–100. */
function clampPct(x: number): number {
  return Math.min(100, Math.max(0, x));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
