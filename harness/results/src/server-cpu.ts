// The server's CPU over a repetition's window as every reader shows it: the exact scheduler figures (rep.cpu) where the
// run recorded them, else the 10 Hz clock-tick samples of older sets (rep.server), which can show a core less busy than
// the process on it.
import type { RepetitionRecord } from "./schema.ts";

/** Server process CPU and its pinned core's busy share over a window, % of one core; null where not measured. */
export interface WindowServerCpu {
  /** The server process's own CPU (all its threads). */
  processPct: number | null;
  /** Busy share of the server's pinned core(s), every task and kernel work included. */
  coreBusyPct: number | null;
  /** Where the figures come from: "exact" (scheduler run time, ns) or "ticks" (clock-tick samples). */
  source: "exact" | "ticks" | null;
}

/** The server CPU of one repetition, exact where recorded. */
export function serverCpuOf(rep: Pick<RepetitionRecord, "cpu" | "server">): WindowServerCpu {
  if (rep.cpu) return { processPct: rep.cpu.processCpuPct, coreBusyPct: rep.cpu.coreBusyPct, source: "exact" };
  if (rep.server) return { processPct: rep.server.cpuPct, coreBusyPct: rep.server.coreBusyPct, source: "ticks" };
  return { processPct: null, coreBusyPct: null, source: null };
}

/** Busy share of the client's pinned core(s) of one repetition, exact where recorded; null where not measured. */
export function clientCoreBusyOf(rep: Pick<RepetitionRecord, "cpu" | "clientCoreBusyPct">): number | null {
  return rep.cpu?.clientCoreBusyPct ?? rep.clientCoreBusyPct ?? null;
}
