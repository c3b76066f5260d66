// Runner side of the fault client: starts fault/client.ts pinned to the client cpus, hands it a task, relays the
// server restart, and resolves with its result. Killed with the runner's other children on exit.
import { fileURLToPath } from "node:url";
import { ChildSet, spawnPinnedWorker } from "@wsarena/host";
import type { FaultResult, FaultTask, FromFaultClient, ToFaultClient } from "./types.ts";

const CLIENT_PATH = fileURLToPath(new URL("./client.ts", import.meta.url));

const clients = new ChildSet();

/** Kills every fault client still running (SIGKILL); safe in an exit handler. */
export function killAllFaultClients(): number {
  return clients.killAll();
}

/** A running fault client. */
export interface FaultClient {
  /** Resolves when the client says every connection is up and traffic flows (reconnect tasks). */
  ready: Promise<void>;
  /** Tells the client when the server was killed and when the new one was ready. */
  restarted(killedAtMs: number, readyAtMs: number): void;
  /** The task's result; rejects when the client fails or exceeds timeoutMs. */
  result: Promise<FaultResult>;
  /** Ends the client now (its result rejects). */
  abort(): void;
}

/** Starts the fault client with `task`, pinned with taskset to `clientCpus` when given. */
export function startFaultClient(task: FaultTask, opts: { clientCpus: string | undefined; timeoutMs: number; signal?: AbortSignal }): FaultClient {
  const worker = spawnPinnedWorker<ToFaultClient, FromFaultClient>({
    script: CLIENT_PATH,
    cpus: opts.clientCpus,
    children: clients,
    ...(opts.signal ? { signal: opts.signal } : {}),
    texts: {
      fatal: (message) => `fault client (${task.kind}) failed: ${message}`,
      spawnFailed: (argv, message) => `cannot start the fault client (${argv}): ${message}`,
      exited: (code, signal) => `fault client (${task.kind}) exited before its result (code ${code}, signal ${signal})`,
    },
  });
  const result = worker
    .next("result", { ms: opts.timeoutMs, text: `fault client (${task.kind}) gave no result within ${opts.timeoutMs} ms` })
    .then((m) => m.result);
  const ready = worker.next("ready").then(() => {});
  // Both are settled by the channel; a caller may never await `ready` (storm and burst send none).
  for (const p of [ready, result]) p.catch(() => {});
  worker.send({ type: "task", task, timeoutMs: opts.timeoutMs });
  return {
    ready,
    result,
    restarted: (killedAtMs, readyAtMs) => worker.send({ type: "restarted", killedAtMs, readyAtMs }),
    abort: () => worker.abort(new Error("interrupted")),
  };
}
