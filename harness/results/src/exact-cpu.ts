// Schema of the exact CPU figures of a window (scheduler run time in ns, not 10 ms clock ticks); re-exported by schema.ts.
import { z } from "zod";

/**
 * Server process and pinned-core CPU over the measured window from the scheduler's run-time counters
 * (@wsarena/host exact-cpu.ts). Unlike ServerUsage.cpuPct/coreBusyPct (clock ticks), the core figure includes the
 * process figure by construction, so a core is never shown less busy than the process pinned to it.
 */
export const exactCpuSchema = z.object({
  /** Start of the span the figures cover, epoch ms: the first reading at or after the window start. */
  spanStartMs: z.number(),
  /** End of the span, epoch ms: the last reading at or before the window end (the span lies inside the window, so warm-up and drain stay out). */
  spanEndMs: z.number(),
  /** Server process CPU over the span, ns: the sum of its threads' run time (/proc/<pid>/task/<tid>/schedstat, first field). */
  processCpuNs: z.number(),
  /** processCpuNs over the span's wall time, % of one core (exceeds 100 with threads on several cores). */
  processCpuPct: z.number(),
  /** Server threads that exited during the span: what each ran after the reading before its exit (at most one sampling interval) is missing from processCpuNs. */
  exitedThreads: z.number(),
  /**
   * Source of the core figures: "cpuacct" = run time of all tasks on each cpu, ns (cgroup v1 cpuacct root,
   * cpuacct.usage_percpu); "idle" = wall time minus the kernel's idle time of the cpu (/proc/stat, 10 ms units);
   * null when the server is not pinned.
   */
  coreSource: z.enum(["cpuacct", "idle"]).nullable(),
  /** Busy % of each pinned server core over the span, in the order of serverCpus (empty when not pinned). */
  coreBusyPctEach: z.array(z.number()),
  /** Mean busy % of the pinned server cores over the span (every task on them, the server's included), or null when not pinned. */
  coreBusyPct: z.number().nullable(),
  /**
   * Hard and soft interrupt time of the server cores, % of the span (/proc/stat irq + softirq; clock-tick samples on
   * kernels without IRQ_TIME_ACCOUNTING). Charged to no process; with "cpuacct" the part taken while a task ran is
   * also inside coreBusyPct. Null when not pinned.
   */
  coreIrqPct: z.number().nullable(),
  /** Steal time of the server cores, % of the span (/proc/stat), or null when not pinned or not reported. */
  coreStealPct: z.number().nullable(),
  /** Mean busy % of the client's pinned cores over the span (same source as coreBusyPct), or null when the client is not pinned. */
  clientCoreBusyPct: z.number().nullable(),
  /** Server CPU per message delivered to the clients, µs: processCpuNs per second of span over msgsPerSec; null without messages. */
  serverCpuUsPerMsg: z.number().nullable(),
});
export type ExactCpu = z.infer<typeof exactCpuSchema>;
