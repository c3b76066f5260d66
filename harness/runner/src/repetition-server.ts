// The server of one repetition: launched with the scenario's and the point's settings, relaunched before a point whose
// settings differ, swapped for the one a scenario restarts, and watched for exiting on its own.
import {
  type DiscoveredStack,
  freePort,
  launchServer,
  restartServer,
  type LaunchOptions,
  type LaunchedServer,
  type RestartOptions,
  type ServerExit,
  type ServerRestart,
} from "@wsarena/stacks";
import type { Pinning } from "@wsarena/host";
import type { AbortGuard } from "./run-context.ts";
import type { Scenario, ScenarioPoint } from "./scenarios/types.ts";

/** Grace between SIGTERM and SIGKILL when a server is stopped after its scenario. */
export const SERVER_STOP_GRACE_MS = 3_000;

type ServerEnv = Readonly<Record<string, string>> | undefined;

/** Whether two points' server environments are the same (absent and empty are the same: the server's defaults). */
export function sameServerEnv(a: ServerEnv, b: ServerEnv): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b ?? {}, k) && a![k] === b![k]);
}

/** The server slot of one repetition (see createRepetitionServer). */
export interface RepetitionServer {
  /** The server now serving the repetition, or null before the first launch. */
  current: () => LaunchedServer | null;
  /** Launches the repetition's first server, with `env` (the first point's settings) on top of the scenario's. */
  start: (env: ServerEnv) => Promise<LaunchedServer>;
  /** Before a point: stops the server and launches one with `env` when `env` differs from the running server's. */
  switchTo: (env: ServerEnv) => Promise<LaunchedServer>;
  /** Whether the current server exited on its own (not by a restart) since it was launched. */
  exitedEarly: () => boolean;
  /** Launches another server of the stack for a point (ScenarioRunContext.launchServer). */
  launchExtra: (point: ScenarioPoint) => (o?: Pick<LaunchOptions, "env" | "cpus">) => Promise<LaunchedServer>;
  /** Restarts the current server in place; the restarted one is checked after the window and stopped at the end. */
  restart: (r: RestartOptions) => Promise<ServerRestart>;
}

export function createRepetitionServer(stack: DiscoveredStack, scenario: Scenario, pinning: Pinning | null, abort: AbortGuard): RepetitionServer {
  const pinned = pinning ? { cpus: pinning.serverList } : {};
  let server: LaunchedServer | null = null;
  let serverEnv: ServerEnv;
  // Seen synchronously after each window (a race against an already-settled promise would lose to Promise.resolve).
  let exitedAt: ServerExit | null = null;
  let restarting = false;
  const watch = (started: LaunchedServer): void => {
    exitedAt = null;
    void started.exited.then((e) => {
      if (server === started && !restarting) exitedAt = e;
    });
  };
  let launchOpts: LaunchOptions = { ...pinned };
  // The scenario's server settings, then the point's (e.g. the backpressure policy) on top. A scenario that measures
  // its own window may restart the server: give it an explicit port (see freePort).
  const launch = async (pointEnv: ServerEnv): Promise<LaunchedServer> => {
    const env = { ...scenario.serverEnv, ...pointEnv };
    launchOpts = { ...pinned, ...(Object.keys(env).length ? { env } : {}), ...(scenario.run ? { port: await freePort() } : {}) };
    const started = await launchServer(stack, launchOpts);
    server = started;
    watch(started);
    abort.setCurrent(started);
    return started;
  };
  return {
    current: () => server,
    start: (env) => {
      serverEnv = env;
      return launch(env);
    },
    switchTo: async (env) => {
      if (sameServerEnv(env, serverEnv)) return server!;
      // A point with other server settings (e.g. the backpressure policy) gets a server started with them.
      abort.setCurrent(null);
      await server!.stop(SERVER_STOP_GRACE_MS);
      serverEnv = env;
      return launch(env);
    },
    exitedEarly: () => exitedAt !== null,
    launchExtra: (point) => (o) => launchServer(stack, { ...pinned, ...o, env: { ...scenario.serverEnv, ...point.serverEnv, ...o?.env } }),
    restart: async (r) => {
      restarting = true;
      try {
        const out = await restartServer(stack, server!, launchOpts, r);
        server = out.server;
        watch(out.server);
        abort.setCurrent(out.server);
        return out;
      } finally {
        restarting = false;
      }
    },
  };
}
