// Quiet-machine gate before a measured window: the pinned cores must show no foreign work (/proc/stat busy minus what
// the server and the probes used) and the hiccup probes must wake up on time; otherwise wait and retry, bounded.
import type { FloorProbes } from "./floor.ts";
import type { QuietGateRecord } from "@wsarena/results";
import { ProcessCpuTracker, preciseNowMs, readCoreCounters } from "./exact-cpu.ts";
import { clockTicksPerSec, readCoreTicks, readProcessCpuTicks } from "./sample.ts";
import { sleep } from "./time.ts";

/**
 * Length of one check where the scheduler's run-time counters are readable (cpuacct per core, schedstat per thread), ms:
 * they count ns, so a short check is exact (they lag by at most one scheduler tick, a few % of this span) and every
 * window pays less for its gate.
 */
export const QUIET_CHECK_EXACT_MS = 100;
/**
 * Shortest span over which the probes' wake-up p99 is judged, ms: at a 1 ms probe interval, ~250 wake-ups, so the p99
 * is not the single worst one (the platform stalls a few ms now and then, which is not a machine at work).
 */
export const QUIET_PROBE_MIN_SPAN_MS = 250;
/** Length of one check on clock ticks (no cpuacct), ms: 25 ticks at USER_HZ 100, so one tick is 4 % of a core. */
export const QUIET_CHECK_MS = 250;
/**
 * A core is busy with foreign work above this share, % of the core. An idle core shows a tick or two of kernel and
 * harness work per check, a pinned busy loop nearly all of it: the threshold sits well above the first and well below
 * the second (`pnpm --filter @wsarena/host floor:check` shows both on a given machine).
 */
export const QUIET_MAX_FOREIGN_BUSY_PCT = 15;
/**
 * The probe woke up late above this p99 over the check, µs: a few times an idle core's p99, so that above it the platform
 * itself is stalling. Behind a busy loop the probe is often let in at once anyway (the scheduler favours a sleeper), so
 * the busy share is the main signal and this one catches stalls with no process at work.
 */
export const QUIET_MAX_PROBE_P99_US = 1_500;
/** Checks before giving up and measuring anyway. */
export const QUIET_MAX_ATTEMPTS = 5;
/** Longest time spent at the gate, ms (checks and pauses). */
export const QUIET_MAX_WAIT_MS = 10_000;
/** Pause between a failed check and the next, ms. */
export const QUIET_RETRY_DELAY_MS = 500;

/** What the gate looks at; never mutated. */
export interface QuietGateOptions {
  /** Server process (its own CPU is not foreign work), or null when none runs. */
  serverPid: number | null;
  /** Pinned server cpus. */
  serverCpus: readonly number[];
  /** Pinned client cpus (no load runs there between windows, so all their busy time is foreign). */
  clientCpus: readonly number[];
  /** Hiccup probes on those cores (their CPU is not foreign; their lateness is checked), or null. */
  probes?: FloorProbes | null;
  checkMs?: number;
  maxForeignBusyPct?: number;
  maxProbeP99Us?: number;
  maxAttempts?: number;
  maxWaitMs?: number;
  retryDelayMs?: number;
  /** Aborting ends the gate at once (the record says what was seen so far). */
  signal?: AbortSignal;
}

/** One core's reading over one check. */
export interface QuietCoreReading {
  cpu: number;
  role: "server" | "client";
  /** Core busy %, all processes. */
  busyPct: number;
  /** Busy % minus the server's and the probe's own CPU on it. */
  foreignBusyPct: number;
  /** Probe wake-up lateness p99 over the check, µs, or null without a probe. */
  probeP99Us: number | null;
}

/** Result of one check. */
export interface QuietCheck {
  ok: boolean;
  /** One line per failed core, e.g. "cpu 0 (server) busy 97 % with the server idle (foreign 96 %)". */
  reasons: string[];
  cores: QuietCoreReading[];
}

function ticksOf(pid: number | null | undefined): number {
  return pid ? (readProcessCpuTicks(pid) ?? 0) : 0;
}

/** Core busy time, the server's CPU and each probe's CPU over one check, in one unit (ticks or ns), with the span's total per core. */
interface CheckSpan {
  /** Per core: [busy, total] over the check. */
  cores: Array<{ busy: number; total: number }>;
  server: number;
  probes: number[];
}

type ReadAll = () => { cores: Array<{ busy: number; total: number }>; server: number; probes: number[] };

/** Readers in ns (cpuacct, per-thread schedstat), or null where cpuacct is missing. */
function exactReader(cpus: readonly number[], serverPid: number | null, probePids: ReadonlyArray<number | undefined>): ReadAll | null {
  const hz = clockTicksPerSec();
  if (readCoreCounters(cpus, hz).some((c) => c.runNs === null)) return null;
  const tracker = (pid: number | null | undefined) => (pid ? new ProcessCpuTracker(pid) : null);
  const server = tracker(serverPid);
  const probes = probePids.map(tracker);
  return () => {
    const atNs = preciseNowMs() * 1e6;
    return {
      cores: readCoreCounters(cpus, hz).map((c) => ({ busy: c.runNs ?? 0, total: atNs })),
      server: server?.read()?.cpuNs ?? 0,
      probes: probes.map((t) => t?.read()?.cpuNs ?? 0),
    };
  };
}

/** Readers in clock ticks (/proc/stat, /proc/<pid>/stat). */
function tickReader(cpus: readonly number[], serverPid: number | null, probePids: ReadonlyArray<number | undefined>): ReadAll {
  return () => ({ cores: readCoreTicks(cpus), server: ticksOf(serverPid), probes: probePids.map(ticksOf) });
}

async function measureSpan(read: ReadAll, checkMs: number, signal: AbortSignal | undefined): Promise<CheckSpan> {
  const before = read();
  await sleep(checkMs, signal);
  const after = read();
  return {
    cores: after.cores.map((c, i) => ({ busy: c.busy - before.cores[i]!.busy, total: c.total - before.cores[i]!.total })),
    server: after.server - before.server,
    probes: after.probes.map((p, i) => p - before.probes[i]!),
  };
}

/** Watches the pinned cores for checkMs and says whether anything but the server and the probes was at work. */
export async function checkQuiet(opts: QuietGateOptions): Promise<QuietCheck> {
  const maxBusy = opts.maxForeignBusyPct ?? QUIET_MAX_FOREIGN_BUSY_PCT;
  const maxP99 = opts.maxProbeP99Us ?? QUIET_MAX_PROBE_P99_US;
  const cores = [...opts.serverCpus.map((cpu) => ({ cpu, role: "server" as const })), ...opts.clientCpus.map((cpu) => ({ cpu, role: "client" as const }))];
  const probeOf = (cpu: number) => opts.probes?.probes.find((p) => p.cpu === cpu);
  const cpus = cores.map((c) => c.cpu);
  const probePids = cores.map((c) => probeOf(c.cpu)?.pid);
  const exact = exactReader(cpus, opts.serverPid, probePids);
  const checkMs = opts.checkMs ?? (exact ? QUIET_CHECK_EXACT_MS : QUIET_CHECK_MS);
  const startMs = Date.now();
  const span = await measureSpan(exact ?? tickReader(cpus, opts.serverPid, probePids), checkMs, opts.signal);
  let endMs = Date.now();
  let lateness = opts.probes ? await opts.probes.windows(startMs, endMs) : [];
  // A p99 of ~100 wake-ups is the single worst one: a lone hiccup of the platform. Only when the short span shows one
  // is the probe watched on to QUIET_PROBE_MIN_SPAN_MS and its p99 judged over that span, as the 250 ms gate judged it.
  const late = (ws: typeof lateness) => ws.some((w) => (w.summary?.p99Us ?? 0) > maxP99);
  if (opts.probes && late(lateness) && endMs - startMs < QUIET_PROBE_MIN_SPAN_MS) {
    await sleep(QUIET_PROBE_MIN_SPAN_MS - (endMs - startMs), opts.signal);
    endMs = Date.now();
    lateness = await opts.probes.windows(startMs, endMs);
  }
  // The server may run on any of its cores: its time is taken off the server cores' sum, shared in proportion.
  const serverCoreBusy = cores.reduce((a, c, i) => a + (c.role === "server" ? span.cores[i]!.busy : 0), 0);
  const readings: QuietCoreReading[] = cores.map((c, i) => {
    const { busy, total } = span.cores[i]!;
    const serverShare = c.role === "server" && serverCoreBusy > 0 ? (span.server * busy) / serverCoreBusy : 0;
    const foreign = Math.max(0, busy - serverShare - span.probes[i]!);
    const pct = (x: number) => (total > 0 ? Math.round(Math.min(100, (x / total) * 100) * 10) / 10 : 0);
    return {
      cpu: c.cpu,
      role: c.role,
      busyPct: pct(busy),
      foreignBusyPct: pct(foreign),
      probeP99Us: lateness.find((w) => w.cpu === c.cpu)?.summary?.p99Us ?? null,
    };
  });
  const reasons: string[] = [];
  for (const r of readings) {
    const server = r.role === "server" ? (opts.serverPid ? " with the server idle" : "") : " with no load running";
    if (r.foreignBusyPct > maxBusy) reasons.push(`cpu ${r.cpu} (${r.role}) busy ${r.busyPct} %${server} (foreign work ${r.foreignBusyPct} % > ${maxBusy} %)`);
    if (r.probeP99Us !== null && r.probeP99Us > maxP99) reasons.push(`cpu ${r.cpu} (${r.role}) probe woke up late: p99 ${r.probeP99Us} µs > ${maxP99} µs`);
  }
  return { ok: reasons.length === 0, reasons, cores: readings };
}

/** Checks until quiet or until the attempts or the time run out; then the window is measured anyway and the record says so. */
export async function quietGate(opts: QuietGateOptions): Promise<QuietGateRecord> {
  const maxAttempts = opts.maxAttempts ?? QUIET_MAX_ATTEMPTS;
  const maxWaitMs = opts.maxWaitMs ?? QUIET_MAX_WAIT_MS;
  const retryDelayMs = opts.retryDelayMs ?? QUIET_RETRY_DELAY_MS;
  const checkMs = opts.checkMs ?? QUIET_CHECK_MS;
  const t0 = Date.now();
  const reasons: string[] = [];
  let attempts = 0;
  for (;;) {
    attempts++;
    const check = await checkQuiet(opts);
    if (check.ok) return { ok: true, attempts, waitedMs: Date.now() - t0, reasons };
    reasons.push(...check.reasons.map((r) => `attempt ${attempts}: ${r}`));
    const outOfTime = Date.now() - t0 + retryDelayMs + checkMs > maxWaitMs;
    if (attempts >= maxAttempts || outOfTime || opts.signal?.aborted) return { ok: false, attempts, waitedMs: Date.now() - t0, reasons };
    await sleep(retryDelayMs, opts.signal);
  }
}
