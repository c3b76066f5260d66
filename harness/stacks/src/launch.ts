// Spawns a stack's server (optionally pinned with taskset), waits for its ready line and /health, and tears it down.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import type { ReadyLine } from "@wsarena/protocol";
import type { DiscoveredStack } from "./discover.ts";
import { tasksetArgv, ChildSet } from "@wsarena/host";
import { serverIdOf } from "./variants.ts";

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
  /** Sends `signal` to the server process at once (no grace, no SIGKILL follow-up); `exited` tells when it is gone. */
  kill(signal: NodeJS.Signals): void;
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
  const proc = spawnServer(stack, opts, host);
  const { child, stderrTail, exited, stop } = proc;
  const ready = readReadyLine(stack, child);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(
      () => rej(new Error(`${stack.id} was not ready within ${timeoutMs} ms (ready line + GET /health). stderr:\n${stderrTail()}`)),
      timeoutMs,
    );
  });
  const early = exitBeforeReady(stack, proc, host, opts.port ?? 0);
  try {
    const r = await Promise.race([ready, timeout, early, proc.spawnError]);
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
      kill: (signal) => {
        // The ready line's pid is the process sampled; the spawned child is the same process (taskset and the runtimes exec).
        if (r.pid !== child.pid)
          try {
            process.kill(r.pid, signal);
          } catch {
            /* already gone */
          }
        child.kill(signal);
      },
    };
  } catch (e) {
    clearTimeout(timer);
    await stop(500);
    throw e;
  }
}

/** A spawned server process, ready or not: its stderr tail, its exit, its teardown, and a failure to spawn. */
interface ServerProcess {
  child: ChildProcess;
  stderrTail: () => string;
  exited: Promise<ServerExit>;
  stop: (graceMs?: number) => Promise<ServerExit>;
  /** Rejects when the process could not be spawned (e.g. the runtime is missing). */
  spawnError: Promise<never>;
}

/** Spawns the server (pinned when opts.cpus is set) on `host`, keeping the last stderr lines. */
function spawnServer(stack: DiscoveredStack, opts: LaunchOptions, host: string): ServerProcess {
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
  const spawnError = new Promise<never>((_, rej) =>
    child.once("error", (e) =>
      rej(new Error(`cannot start ${stack.id} (${argv.join(" ")}): ${e.message}; is its runtime installed? (pnpm install; taskset comes from util-linux)`)),
    ),
  );
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
  return { child, stderrTail, exited, stop, spawnError };
}

/** The server's first stdout line, checked as its ready line; further stdout is drained. */
function readReadyLine(stack: DiscoveredStack, child: ChildProcess): Promise<ReadyLine> {
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
  return ready;
}

/** Rejects once the process exits (meant to race the start-up), saying why: a port in use, or its stderr. */
function exitBeforeReady(stack: DiscoveredStack, proc: ServerProcess, host: string, port: number): Promise<never> {
  const { child, stderrTail } = proc;
  // The exit event can come before the last stderr chunk: wait for the pipe's end (briefly) so the message shows why.
  const stderrEnded = new Promise<void>((res) => child.stderr!.once("close", () => res()));
  return proc.exited.then(async (e) => {
    await Promise.race([stderrEnded, new Promise((r) => setTimeout(r, 500))]);
    if (/EADDRINUSE/.test(stderrTail())) {
      throw new Error(
        `${stack.id} could not listen: port ${port} on ${host} is in use (EADDRINUSE); stop the process holding it (ss -ltnp 'sport = :${port}') or let the OS pick a free port (port 0)`,
      );
    }
    throw new Error(`${stack.id} exited before it was ready (code ${e.code}, signal ${e.signal}). stderr:\n${stderrTail()}`);
  });
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

/** How restartServer ends a server and how long its port stays dark before the new one starts. */
export interface RestartOptions {
  /** SIGKILL: a crash (no close frames); SIGTERM: a graceful restart (1001, then exit; SIGKILL after the stop grace). */
  signal: "SIGKILL" | "SIGTERM";
  /** Time between the old process's exit and the new spawn, ms. */
  downMs: number;
}

/** What restartServer did, with epoch-ms instants (Date.now()) so they line up with samples and client logs. */
export interface ServerRestart {
  /** The new server (same stack, host, port, pinning and environment). */
  server: LaunchedServer;
  /** How the old process ended. */
  exit: ServerExit;
  /** Signal sent. */
  signal: RestartOptions["signal"];
  /** When the signal was sent. */
  killedAtMs: number;
  /** When the old process was seen gone. */
  exitedAtMs: number;
  /** When the new process that became ready was spawned. */
  spawnedAtMs: number;
  /** When the new server answered /health. */
  readyAtMs: number;
  /** Starts it took until the new server could bind the port (1 = at once). */
  bindAttempts: number;
}

/**
 * Attempts to bind the old port again when the new server cannot: after a kill, the old process's connections stay in
 * FIN_WAIT until their clients close them, and Linux refuses the bind meanwhile (SO_REUSEADDR covers only TIME_WAIT).
 */
export const RESTART_BIND_ATTEMPTS = 20;
/** Wait between two bind attempts, ms. */
export const RESTART_BIND_RETRY_MS = 250;
/** What a server says when its port is taken (Node's EADDRINUSE, uws's own message). */
const PORT_TAKEN = /EADDRINUSE|address already in use|cannot listen/i;

/**
 * Ends `old` with `r.signal`, waits `r.downMs` and starts `stack` again on the same host and port with the same launch
 * options (pinning, environment), so clients reconnect to the same URL. Throws when the new server does not become ready.
 */
export async function restartServer(stack: DiscoveredStack, old: LaunchedServer, launch: LaunchOptions, r: RestartOptions): Promise<ServerRestart> {
  const killedAtMs = Date.now();
  const exit = r.signal === "SIGTERM" ? await old.stop() : (old.kill("SIGKILL"), await old.exited);
  const exitedAtMs = Date.now();
  // Timers run on the monotonic clock and may fire a fraction of a ms early against Date.now(): wait until the wall clock
  // has moved downMs, as the recorded exitedAtMs/spawnedAtMs say (one setTimeout alone can come back short of it).
  for (let left = r.downMs; left > 0; left = exitedAtMs + r.downMs - Date.now()) await new Promise((res) => setTimeout(res, left));
  const opts: LaunchOptions = { ...launch, host: old.host, port: old.port };
  let spawnedAtMs: number;
  for (let attempt = 1; ; attempt++) {
    spawnedAtMs = Date.now();
    try {
      const server = await launchServer(stack, opts);
      return { server, exit, signal: r.signal, killedAtMs, exitedAtMs, spawnedAtMs, readyAtMs: Date.now(), bindAttempts: attempt };
    } catch (e) {
      const inUse = PORT_TAKEN.test((e as Error).message);
      if (!inUse || attempt >= RESTART_BIND_ATTEMPTS)
        throw new Error(`restarting ${stack.id} on ${old.host}:${old.port} failed (attempt ${attempt}): ${(e as Error).message}`);
      await new Promise((res) => setTimeout(res, RESTART_BIND_RETRY_MS));
    }
  }
}

/**
 * A port free on `host` now (the OS picks it for a throwaway listener). A server that may be restarted gets an explicit
 * port from here instead of PORT=0: uWS sets SO_REUSEADDR only on an explicit port, so a uws server started on port 0
 * and killed leaves TIME_WAIT connections that keep its successor from binding that port for a minute.
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
