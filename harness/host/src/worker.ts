// Pinned worker processes: spawns a Node script (through the tsx loader unless told otherwise) pinned with taskset,
// tracks it in a ChildSet (killed on exit), and gives it a typed IPC channel: send, wait for a message of a type, and
// the worker's "fatal" message, its early exit, a deadline or an abort as errors.
import { spawn, type ChildProcess } from "node:child_process";
import { tasksetArgv } from "./pin.ts";
import type { ChildSet } from "./procs.ts";

/** Time a stopping worker gets to exit by itself before SIGKILL. */
export const WORKER_STOP_GRACE_MS = 3_000;
/** Characters of a piped stderr kept for error texts. */
export const WORKER_STDERR_TAIL_CHARS = 2_000;

const TSX_LOADER = import.meta.resolve("tsx");

/** Every worker message has a type; `{ type: "fatal"; message }` means the worker cannot go on. */
export interface WorkerMessage {
  type: string;
}

/** The error texts of one kind of worker (they name the worker and what to do). */
export interface WorkerTexts {
  /** The worker sent `{ type: "fatal", message }`. */
  fatal(message: string): string;
  /** The process could not be started (`argv` joined by spaces). */
  spawnFailed(argv: string, message: string): string;
  /** The process exited; `stderr` is the tail of a piped stderr ("" when inherited). */
  exited(code: number | null, signal: NodeJS.Signals | null, stderr: string): string;
}

/** How to start a pinned worker. */
export interface PinnedWorkerOptions<FromW extends WorkerMessage> {
  /** Path of the script the worker runs. */
  script: string;
  /** taskset cpu list, or undefined = not pinned. */
  cpus: string | undefined;
  /** Tracks the process; its owner kills the set on exit. */
  children: ChildSet;
  texts: WorkerTexts;
  /** Run the script through the tsx loader (TypeScript); default true. */
  tsx?: boolean;
  /** node options before the script, and arguments after it. */
  nodeArgs?: readonly string[];
  args?: readonly string[];
  /** "inherit" (default) passes stderr through; "pipe" keeps its tail for the exit text. */
  stderr?: "inherit" | "pipe";
  /** Aborting fails the channel with "interrupted" and kills the worker. */
  signal?: AbortSignal;
  /** Sees every message first; returning true consumes it (e.g. replies matched by id), otherwise next() gets it. */
  onMessage?: (m: FromW) => boolean;
}

/** How long a message may take, and the error text when it does not come (a function gets the piped stderr's tail). */
export interface Deadline {
  ms: number;
  text: string | ((stderr: string) => string);
}

/** A running worker with its channel. */
export interface PinnedWorker<ToW, FromW extends WorkerMessage> {
  readonly child: ChildProcess;
  /** The argv the worker was started with (taskset included when pinned). */
  readonly argv: readonly string[];
  /** Sends `m` when the channel is still open. */
  send(m: ToW): void;
  /**
   * The next message of `type` (earlier ones are kept until asked for); rejects once the channel failed. With a deadline,
   * a message that does not come within `ms` fails the channel with `text` and kills the worker.
   */
  next<K extends FromW["type"]>(type: K, deadline?: Deadline): Promise<Extract<FromW, { type: K }>>;
  /** Fails the channel with `e` (the first failure wins) and SIGKILLs the worker. */
  abort(e: Error): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Sends `goodbye` (if given and the channel is open), waits for the exit, SIGKILL after `graceMs`. */
  stop(goodbye?: ToW, graceMs?: number): Promise<void>;
}

/** Starts `options.script` as a pinned worker; messages of type "fatal" and the worker's exit fail its channel. */
export function spawnPinnedWorker<ToW, FromW extends WorkerMessage>(options: PinnedWorkerOptions<FromW>): PinnedWorker<ToW, FromW> {
  const node = [
    process.execPath,
    ...(options.tsx === false ? [] : ["--import", TSX_LOADER]),
    ...(options.nodeArgs ?? []),
    options.script,
    ...(options.args ?? []),
  ];
  const argv = tasksetArgv(options.cpus, node);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", options.stderr ?? "inherit", "ipc"] });
  options.children.add(child);
  let stderr = "";
  if (child.stderr) {
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => (stderr = (stderr + d).slice(-WORKER_STDERR_TAIL_CHARS)));
  }
  const queued = new Map<string, FromW[]>();
  const waiting = new Map<string, Array<{ res: (m: FromW) => void; rej: (e: Error) => void }>>();
  let failure: Error | null = null;
  const fail = (e: Error): void => {
    failure ??= e;
    for (const list of waiting.values()) for (const w of list.splice(0)) w.rej(failure);
  };
  const abort = (e: Error): void => {
    fail(e);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  // A process that never started (taskset missing) emits "error" and no "exit".
  const exited = new Promise<void>((res) => (child.once("exit", () => res()), child.once("error", () => child.pid === undefined && res())));
  child.on("message", (m: FromW) => {
    if (m.type === "fatal") return fail(new Error(options.texts.fatal((m as unknown as { message: string }).message)));
    if (options.onMessage?.(m)) return;
    const w = waiting.get(m.type)?.shift();
    if (w) w.res(m);
    else queued.set(m.type, [...(queued.get(m.type) ?? []), m]);
  });
  // A send racing the worker's death reports EPIPE here after the spawn; the exit settles whatever was pending.
  child.on("error", (e) => fail(new Error(options.texts.spawnFailed(argv.join(" "), e.message))));
  const onAbort = (): void => abort(new Error("interrupted"));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  child.once("exit", (code, signal) => {
    options.signal?.removeEventListener("abort", onAbort);
    fail(new Error(options.texts.exited(code, signal, stderr)));
  });
  if (options.signal?.aborted) onAbort();
  const next = <K extends FromW["type"]>(type: K, deadline?: Deadline): Promise<Extract<FromW, { type: K }>> => {
    const m = queued.get(type)?.shift();
    const p: Promise<FromW> = m
      ? Promise.resolve(m)
      : failure
        ? Promise.reject(failure)
        : new Promise((res, rej) => waiting.set(type, [...(waiting.get(type) ?? []), { res, rej }]));
    let timed = p;
    if (deadline && !m && !failure) {
      const timer = setTimeout(() => abort(new Error(typeof deadline.text === "string" ? deadline.text : deadline.text(stderr))), deadline.ms);
      timed = p.finally(() => clearTimeout(timer));
    }
    // Marked handled: a caller may ask early for a message it awaits later, or never (it still sees the rejection).
    timed.catch(() => {});
    return timed as Promise<Extract<FromW, { type: K }>>;
  };
  return {
    child,
    argv,
    send: (m) => {
      if (child.connected) child.send(m as object);
    },
    next,
    abort,
    exited,
    stop: async (goodbye, graceMs = WORKER_STOP_GRACE_MS) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      if (goodbye !== undefined && child.connected) child.send(goodbye as object);
      const grace = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(grace);
    },
  };
}
