// Platform floor: one hiccup probe process per pinned core (floor-probe.ts, jHiccup method), started once per run, asked
// for the wake-up lateness histogram of exactly each measured window; killed on stop, on exit and with its parent.
import { fileURLToPath } from "node:url";
import { mergeHistograms, summarize } from "@wsarena/stats";
import type { FloorRecord, LatencySummaryRecord } from "@wsarena/results";
import { ChildSet } from "./procs.ts";
import { spawnPinnedWorker, type PinnedWorker } from "./worker.ts";

/** Sleep interval of every probe, µs (jHiccup's default resolution is 1 ms too). */
export const FLOOR_INTERVAL_US = 1_000;
/** Time allowed from spawn to a probe's first logged wake-up. */
export const PROBE_READY_TIMEOUT_MS = 15_000;
/** Time a stopped probe gets to exit before SIGKILL. */
export const PROBE_STOP_GRACE_MS = 1_000;
/** Time allowed for a probe to answer a window request. */
export const PROBE_REPLY_TIMEOUT_MS = 5_000;

const PROBE_PATH = fileURLToPath(new URL("./floor-probe.mjs", import.meta.url));

/** A core to probe and whose it is. */
export interface FloorCore {
  cpu: number;
  role: FloorRecord["role"];
}

/** Runner → probe IPC message. */
export type FloorProbeRequest = { type: "window"; id: number; startMs: number; endMs: number } | { type: "stop" };

/** Probe → runner IPC message. */
export type FloorProbeReply =
  | { type: "ready"; pid: number }
  | {
      type: "window";
      id: number;
      /** Wake-ups logged inside the window (before the coordinated-omission correction adds synthetic ones). */
      wakeups: number;
      /** Lateness, µs: hdr-histogram-js compressed base64 with the load generator's settings, or null when nothing was logged. */
      histogram: string | null;
      /** Probe process CPU over the window, % of one core, or null when it could not be read. */
      probeCpuPct: number | null;
    };

/** One window answer of one probe, with the lateness summary (µs; null when nothing was logged in the window). */
export type ProbeWindow = Extract<FloorProbeReply, { type: "window" }> & FloorCore & { summary: LatencySummaryRecord | null };

/** Running probes of a run. */
export interface FloorProbes {
  /** The probed cores with their probe pids. */
  readonly probes: ReadonlyArray<FloorCore & { pid: number }>;
  /** Raw answers of every probe for the wall-clock window [startMs, endMs] (epoch ms); a dead probe is left out. */
  windows(startMs: number, endMs: number): Promise<ProbeWindow[]>;
  /** Floor records of the window: one per probe that logged wake-ups in it. */
  floor(startMs: number, endMs: number): Promise<FloorRecord[]>;
  /** Stops every probe (SIGKILL after a short grace); idempotent. */
  stop(): Promise<void>;
}

const probes = new ChildSet();

/** Kills every probe this process started that is still alive (SIGKILL); safe to call from an exit handler. */
export function killAllProbes(): number {
  return probes.killAll();
}

interface ProbeHandle extends FloorCore {
  worker: PinnedWorker<FloorProbeRequest, FloorProbeReply>;
  pid: number;
  pending: Map<number, (r: Extract<FloorProbeReply, { type: "window" }> | null) => void>;
}

/** Spawns one probe per core, each pinned to its core with taskset, and resolves once every probe is sleeping. */
export async function startFloorProbes(cores: readonly FloorCore[], intervalUs = FLOOR_INTERVAL_US): Promise<FloorProbes> {
  const started = await Promise.allSettled(cores.map((c) => startProbe(c, intervalUs)));
  const handles = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    for (const h of handles) h.worker.abort(new Error("another probe failed to start"));
    throw failed.reason as Error;
  }
  let nextId = 1;
  const ask = (h: ProbeHandle, startMs: number, endMs: number) =>
    new Promise<Extract<FloorProbeReply, { type: "window" }> | null>((res) => {
      if (!h.worker.child.connected) return res(null);
      const id = nextId++;
      const timer = setTimeout(() => {
        h.pending.delete(id);
        res(null);
      }, PROBE_REPLY_TIMEOUT_MS);
      h.pending.set(id, (r) => {
        clearTimeout(timer);
        h.pending.delete(id);
        res(r);
      });
      h.worker.send({ type: "window", id, startMs, endMs });
    });
  const windows = async (startMs: number, endMs: number): Promise<ProbeWindow[]> => {
    const replies = await Promise.all(handles.map((h) => ask(h, startMs, endMs)));
    return replies.flatMap((r, i) => (r ? [{ ...r, cpu: handles[i]!.cpu, role: handles[i]!.role, summary: summarize(mergeHistograms([r.histogram])) }] : []));
  };
  return {
    probes: handles.map((h) => ({ cpu: h.cpu, role: h.role, pid: h.pid })),
    windows,
    floor: async (startMs, endMs) =>
      (await windows(startMs, endMs)).flatMap((w) =>
        w.summary ? [{ cpu: w.cpu, role: w.role, intervalUs, lateness: { summary: w.summary, histogram: w.histogram }, probeCpuPct: w.probeCpuPct ?? 0 }] : [],
      ),
    stop: async () => {
      await Promise.all(handles.map((h) => h.worker.stop({ type: "stop" }, PROBE_STOP_GRACE_MS)));
    },
  };
}

async function startProbe(core: FloorCore, intervalUs: number): Promise<ProbeHandle> {
  const pending: ProbeHandle["pending"] = new Map();
  const worker = spawnPinnedWorker<FloorProbeRequest, FloorProbeReply>({
    script: PROBE_PATH,
    args: [String(intervalUs)],
    cpus: String(core.cpu),
    // Plain node: the probe is JavaScript, and the tsx loader alone would add to the floor it measures.
    tsx: false,
    stderr: "pipe",
    children: probes,
    texts: {
      fatal: (message) => `floor probe for cpu ${core.cpu} failed: ${message}`,
      spawnFailed: (argv, message) => `cannot start the floor probe for cpu ${core.cpu} (${argv}): ${message}`,
      exited: (code, signal, stderr) =>
        `floor probe for cpu ${core.cpu} exited before it was ready (code ${code}, signal ${signal}); expected it to run until stopped. stderr: ${stderr || "(empty)"}`,
    },
    onMessage: (m) => {
      if (m.type !== "window") return false;
      pending.get(m.id)?.(m);
      return true;
    },
  });
  // A dead probe answers every pending window request with null.
  void worker.exited.then(() => {
    for (const done of [...pending.values()]) done(null);
  });
  const ready = await worker.next("ready", {
    ms: PROBE_READY_TIMEOUT_MS,
    text: (stderr) => `floor probe for cpu ${core.cpu} did not start within ${PROBE_READY_TIMEOUT_MS} ms. stderr: ${stderr || "(empty)"}`,
  });
  return { ...core, worker, pid: ready.pid, pending };
}
