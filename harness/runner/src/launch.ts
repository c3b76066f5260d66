// Spawns a stack's server (optionally pinned with taskset), waits for its ready line and /health, and tears it down.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { ReadyLine } from "@wsarena/protocol";
import type { DiscoveredStack } from "./discover.ts";
import { tasksetArgv } from "./pin.ts";
import { serverIdOf } from "./variants.ts";
import { ChildSet } from "./procs.ts";

/** Default time allowed from spawn to a healthy server. */
export const DEFAULT_READY_TIMEOUT_MS = 20_000;
/** Default time between SIGTERM and SIGKILL at teardown. */
export const DEFAULT_STOP_GRACE_MS = 3_000;

/** Options of launchServer; never mutated. */
export interface LaunchOptions {
  /** taskset cpu list for the server (e.g. "0"); undefined = not pinned. */
  cpus?: string;
  /** Extra environment (limits such as WSARENA_MAX_PAYLOAD). */
  env?: Record<string, string>;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  /** Port to bind; default 0 (the OS picks). */
  port?: number;
  /** Spawn-to-healthy timeout. */
  readyTimeoutMs?: number;
}

/** How a server process ended. */
export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when it exited by itself after SIGTERM within the grace period. */
  graceful: boolean;
}

/** A running, healthy server. */
export interface LaunchedServer {
  stack: string;
  /** Server pid from its ready line (the process sampled from /proc). */
  pid: number;
  port: number;
  host: string;
  /** Version the server reported. */
  version: string;
  /** http://host:port */
  httpUrl: string;
  /** ws://host:port */
  wsUrl: string;
  /** Last lines the server wrote to stderr (for error messages). */
  stderrTail(): string;
  /** Resolves when the process exits by itself or is stopped. */
  readonly exited: Promise<ServerExit>;
  /** SIGTERM, then SIGKILL after graceMs; idempotent. */
  stop(graceMs?: number): Promise<ServerExit>;
}

const servers = new ChildSet();

/** Kills every server this process launched that is still alive (SIGKILL); safe to call from an exit handler. */
export function killAllServers(): number {
  return servers.killAll();
}

/** Number of servers launched by this process that are still running. */
export function liveServerCount(): number {
  return servers.liveCount();
}

/** Starts `stack` and resolves once its ready line was printed and GET /health answered 200. */
export async function launchServer(stack: DiscoveredStack, opts: LaunchOptions = {}): Promise<LaunchedServer> {
  if (!stack.runnable) throw new Error(`stack ${stack.id} cannot run here: ${stack.reason}`);
  const host = opts.host ?? "127.0.0.1";
  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const argv = tasksetArgv(opts.cpus, stack.argv);
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: stack.dir,
    // A variant's overrides first, so a check's own limits (opts.env) still win.
    env: { ...process.env, ...stack.variant?.env, ...opts.env, HOST: host, PORT: String(opts.port ?? 0) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  servers.add(child);
  const errLines: string[] = [];
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => {
    errLines.push(...d.split("\n").filter(Boolean));
    if (errLines.length > 40) errLines.splice(0, errLines.length - 40);
  });
  const stderrTail = () => errLines.join("\n");
  let stopping = false;
  const exited = new Promise<ServerExit>((res) => {
    child.once("exit", (code, signal) => {
      res({ code, signal, graceful: stopping && code === 0 });
    });
  });
  const spawnError = new Promise<never>((_, rej) => child.once("error", (e) => rej(new Error(`cannot start ${stack.id} (${argv.join(" ")}): ${e.message}`))));
  spawnError.catch(() => {});

  const stop = async (graceMs = DEFAULT_STOP_GRACE_MS): Promise<ServerExit> => {
    if (child.exitCode === null && child.signalCode === null && !stopping) {
      stopping = true;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const r = await exited;
      clearTimeout(t);
      return r;
    }
    return exited;
  };

  const ready = new Promise<ReadyLine>((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (line) => {
      try {
        const r = JSON.parse(line) as ReadyLine;
        if (r.event !== "ready" || typeof r.port !== "number" || typeof r.pid !== "number") throw new Error("not a ready line");
        if (r.stack !== serverIdOf(stack)) throw new Error(`ready line names stack "${r.stack}", expected "${serverIdOf(stack)}"`);
        res(r);
      } catch (e) {
        rej(new Error(`${stack.id} printed an invalid ready line (${(e as Error).message}): ${line.slice(0, 200)}`));
      }
    });
    // Drain further stdout so the server never blocks on a full pipe.
    child.stdout!.resume();
  });
  ready.catch(() => {});

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${stack.id} was not ready within ${timeoutMs} ms (ready line + GET /health). stderr:\n${stderrTail()}`)), timeoutMs);
  });
  const early = exited.then((e) => {
    throw new Error(`${stack.id} exited before it was ready (code ${e.code}, signal ${e.signal}). stderr:\n${stderrTail()}`);
  });
  try {
    const r = await Promise.race([ready, timeout, early, spawnError]);
    const httpUrl = `http://${host}:${r.port}`;
    await Promise.race([waitHealthy(httpUrl, serverIdOf(stack)), timeout, early]);
    clearTimeout(timer);
    return {
      stack: stack.id,
      pid: r.pid,
      port: r.port,
      host,
      version: r.version,
      httpUrl,
      wsUrl: `ws://${host}:${r.port}`,
      stderrTail,
      exited,
      stop,
    };
  } catch (e) {
    clearTimeout(timer);
    await stop(500);
    throw e;
  }
}

async function waitHealthy(httpUrl: string, id: string): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`${httpUrl}/health`);
      const body = (await res.json()) as { ok?: boolean; stack?: string };
      if (res.status === 200 && body.ok === true && body.stack === id) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
