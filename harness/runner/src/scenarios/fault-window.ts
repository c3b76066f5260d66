// Turns a fault client's result into the window a Scenario.run returns: the LoadResult fields the runner records
// (latency, integrity, connect summary, client CPU) plus the task's own figures as `details`.
import { availableParallelism } from "node:os";
import { mergeHistograms, summarize } from "@wsarena/stats";
import { parseCpuList } from "@wsarena/host";
import { emptyLoadResult } from "./common.ts";
import type { PointLoad, ScenarioWindow } from "./types.ts";
import type { FaultResult } from "@wsarena/fault";
import type { ScenarioDetails } from "@wsarena/results";

/** The ScenarioWindow of a fault task: runner-recorded fields filled from `r`, `details` as given. */
export function faultWindow(load: PointLoad, r: FaultResult, clientCpus: string | undefined, details: ScenarioDetails<"burst" | "reconnect">): ScenarioWindow {
  const w = emptyLoadResult(load, r.windowStartMs, r.windowEndMs);
  const sec = Math.max(1e-3, w.durationMs / 1000);
  const latency = r.latencyHistogram ? summarize(mergeHistograms([r.latencyHistogram])) : null;
  const conn = r.connectHistogram ? summarize(mergeHistograms([r.connectHistogram])) : null;
  const attempted = Object.values(r.outcomes).reduce((a, b) => a + b, 0);
  const succeeded = r.outcomes.ok ?? 0;
  const cores = clientCpus !== undefined ? parseCpuList(clientCpus).length : availableParallelism();
  const connectSec = r.kind === "storm" ? Math.max(1e-3, r.settledMs / 1000) : sec;
  return {
    ...w,
    msgsPerSec: r.received / sec,
    sentPerSec: r.sent / sec,
    latency,
    histogram: r.latencyHistogram,
    // Reconnect: messages published while a subscriber was away cannot reach it (pub/sub keeps no history in the contract);
    // they are the scenario's figure (details.missedTotal), not an integrity violation.
    integrity: {
      sent: r.sent,
      received: r.received,
      lost: r.kind === "reconnect" ? 0 : r.lost,
      duplicated: r.duplicated,
      reordered: r.reordered,
      corrupted: 0,
    },
    connect: {
      attempted,
      succeeded,
      failed: attempted - succeeded,
      perSec: succeeded / connectSec,
      p50Us: conn?.p50Us ?? 0,
      p90Us: conn?.p90Us ?? 0,
      p99Us: conn?.p99Us ?? 0,
      maxUs: conn?.maxUs ?? 0,
      errors: r.errorSamples,
    },
    clientCpu: {
      cpus: clientCpus ?? null,
      workers: 1,
      cpuSeconds: r.cpuSeconds,
      utilisation: r.cpuSeconds / (sec * cores),
      perWorkerCpuSeconds: [r.cpuSeconds],
    },
    msgsPerClientCpuSec: r.cpuSeconds > 0 ? r.received / r.cpuSeconds : 0,
    closeCodes: r.closeCodes,
    details,
  };
}

/** Time bound of a fault task: its planned length plus slack for set-up and drain. */
export const FAULT_TIMEOUT_SLACK_MS = 30_000;
