// Runner side of the fault client: starts fault/client.ts pinned to the client cpus, hands it a task, relays the
// server restart, and resolves with its result. Killed with the runner's other children on exit.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ChildSet } from "@wsarena/host";
import type { FaultResult, FaultTask, FromFaultClient, ToFaultClient } from "./types.ts";

const CLIENT_PATH = fileURLToPath(new URL("./client.ts", import.meta.url));
const TSX_LOADER = import.meta.resolve("tsx");

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
  const node = [process.execPath, "--import", TSX_LOADER, CLIENT_PATH];
  const argv = opts.clientCpus !== undefined ? ["taskset", "-c", opts.clientCpus, ...node] : node;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  clients.add(child);
  let onReady!: () => void;
  let onResult!: (r: FaultResult) => void;
  let fail!: (e: Error) => void;
  const failed = new Promise<never>((_, rej) => (fail = rej));
  failed.catch(() => {});
  const ready = Promise.race([new Promise<void>((r) => (onReady = r)), failed]);
  const result = Promise.race([new Promise<FaultResult>((r) => (onResult = r)), failed]);
  ready.catch(() => {});
  result.catch(() => {});
  const timer = setTimeout(() => {
    fail(new Error(`fault client (${task.kind}) gave no result within ${opts.timeoutMs} ms`));
    child.kill("SIGKILL");
  }, opts.timeoutMs);
  const onAbort = () => {
    fail(new Error("interrupted"));
    child.kill("SIGKILL");
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  child.on("message", (m: FromFaultClient) => {
    if (m.type === "ready") onReady();
    else if (m.type === "result") onResult(m.result);
    else if (m.type === "fatal") fail(new Error(`fault client (${task.kind}) failed: ${m.message}`));
  });
  child.on("error", (e) => fail(new Error(`cannot start the fault client (${argv.join(" ")}): ${e.message}`)));
  child.on("exit", (code, signal) => {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    fail(new Error(`fault client (${task.kind}) exited before its result (code ${code}, signal ${signal})`));
  });
  const send = (m: ToFaultClient) => {
    if (child.connected) child.send(m);
  };
  send({ type: "task", task, timeoutMs: opts.timeoutMs });
  return {
    ready,
    result,
    restarted: (killedAtMs, readyAtMs) => send({ type: "restarted", killedAtMs, readyAtMs }),
    abort: onAbort,
  };
}
