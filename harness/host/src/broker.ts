// Starts a message broker (Debian redis-server or nats-server) on 127.0.0.1 for cluster scenarios, waits until it
// answers, samples it from /proc and stops it by pid; every broker is killed when this process exits.
import { execFileSync, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer, connect } from "node:net";
import path from "node:path";
import { tasksetArgv } from "./pin.ts";
import { ChildSet } from "./procs.ts";

/** Brokers the harness can start. */
export const BROKER_KINDS = ["redis", "nats"] as const;
/** A broker kind: "redis" (pub/sub) or "nats". */
export type BrokerKind = (typeof BROKER_KINDS)[number];

/** Time allowed from spawn until the broker answers its protocol's greeting. */
export const BROKER_READY_TIMEOUT_MS = 10_000;
/** Time between SIGTERM and SIGKILL when a broker is stopped. */
export const BROKER_STOP_GRACE_MS = 2_000;

/** How to find, start and probe one kind of broker. */
export interface BrokerSpec {
  /** Executable name looked up on PATH, /usr/bin and /usr/sbin. */
  binary: string;
  /** Debian package that installs it. */
  debianPackage: string;
  /** Environment variable that overrides the executable's path (e.g. to test the missing-binary path). */
  binaryEnv: string;
  /** argv after the binary: listen on 127.0.0.1:port, no persistence, log to stdout. */
  args(port: number): string[];
  /** URL a server gets in WSARENA_BROKER. */
  url(port: number): string;
  /** Bytes to send after connecting (none for a broker that greets first) and the reply prefix that means ready. */
  probe: { send: string; expect: string };
}

/** The brokers, by kind. */
export const BROKERS: Readonly<Record<BrokerKind, BrokerSpec>> = Object.freeze({
  redis: {
    binary: "redis-server",
    debianPackage: "redis-server",
    binaryEnv: "WSARENA_REDIS_SERVER",
    args: (port: number) => ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
    url: (port: number) => `redis://127.0.0.1:${port}`,
    probe: { send: "PING\r\n", expect: "+PONG" },
  },
  nats: {
    binary: "nats-server",
    debianPackage: "nats-server",
    binaryEnv: "WSARENA_NATS_SERVER",
    args: (port: number) => ["-a", "127.0.0.1", "-p", String(port)],
    url: (port: number) => `nats://127.0.0.1:${port}`,
    probe: { send: "", expect: "INFO " },
  },
});

/** The one-line install command for brokers that are missing. */
export function installCommand(kinds: readonly BrokerKind[]): string {
  return `apt-get update && apt-get install -y ${kinds.map((k) => BROKERS[k].debianPackage).join(" ")}`;
}

/** Thrown when a broker's executable is not installed; the message is one line with the install command. */
export class BrokerMissingError extends Error {
  constructor(
    readonly kind: BrokerKind,
    where: string,
  ) {
    super(
      `${BROKERS[kind].binary} not found (${where}): the ${kind} cluster points need it. Install it with: ${installCommand([kind])} (as root; \`pnpm test\` does this itself)`,
    );
  }
}

/** Path of the broker's executable, or null when it is not installed (honours the spec's binaryEnv override). */
export function findBrokerBinary(kind: BrokerKind, env: Record<string, string | undefined> = process.env): string | null {
  const spec = BROKERS[kind];
  const override = env[spec.binaryEnv];
  const candidates = override
    ? [override]
    : [...(env.PATH ?? "").split(":").filter(Boolean), "/usr/bin", "/usr/sbin", "/usr/local/bin"].map((d) => path.join(d, spec.binary));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* next */
    }
  }
  return null;
}

/** A free TCP port on 127.0.0.1, as the OS hands it out (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a ? a.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Options of startBroker; never mutated. */
export interface BrokerOptions {
  /** taskset cpu list for the broker; undefined = not pinned. */
  cpus?: string;
  /** Port; default: a free port from the OS. */
  port?: number;
  /** Spawn-to-ready timeout. */
  readyTimeoutMs?: number;
}

/** A running broker. */
export interface RunningBroker {
  kind: BrokerKind;
  pid: number;
  port: number;
  /** What servers get in WSARENA_BROKER, e.g. redis://127.0.0.1:6390. */
  url: string;
  /** Broker version from `<binary> --version` (first line). */
  version: string;
  /** Last lines it wrote (for error messages). */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const brokers = new ChildSet();

/** Kills every broker this process started that still runs (SIGKILL); returns how many. */
export function killAllBrokers(): number {
  return brokers.killAll();
}

/** Brokers started by this process that still run. */
export function liveBrokerCount(): number {
  return brokers.liveCount();
}

/** Starts a `kind` broker on 127.0.0.1 and resolves once it answers; throws BrokerMissingError when not installed. */
export async function startBroker(kind: BrokerKind, opts: BrokerOptions = {}): Promise<RunningBroker> {
  const spec = BROKERS[kind];
  const bin = findBrokerBinary(kind);
  if (!bin)
    throw new BrokerMissingError(kind, process.env[spec.binaryEnv] ? `${spec.binaryEnv}=${process.env[spec.binaryEnv]}` : "not on PATH, /usr/bin or /usr/sbin");
  const port = opts.port ?? (await freePort());
  const argv = tasksetArgv(opts.cpus, [bin, ...spec.args(port)]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  brokers.add(child);
  const lines: string[] = [];
  const keep = (d: Buffer) => {
    lines.push(...d.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 20) lines.splice(0, lines.length - 20);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const outputTail = () => lines.join("\n");
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const stop = async (graceMs = BROKER_STOP_GRACE_MS): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(t);
    }
  };
  try {
    await waitReady(port, spec.probe, opts.readyTimeoutMs ?? BROKER_READY_TIMEOUT_MS, exited, () => `${spec.binary} on port ${port}: ${outputTail()}`);
  } catch (e) {
    await stop(200);
    throw e;
  }
  // taskset execs the broker in place, so the child's pid is the broker's.
  return { kind, pid: child.pid!, port, url: spec.url(port), version: brokerVersion(bin), outputTail, stop };
}

function brokerVersion(bin: string): string {
  try {
    const out = execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 5000 });
    return out.split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}

async function waitReady(port: number, probe: BrokerSpec["probe"], timeoutMs: number, exited: Promise<void>, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`broker exited before it was ready: ${describe()}`);
    if (await probeOnce(port, probe)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`broker was not ready within ${timeoutMs} ms: ${describe()}`);
}

function probeOnce(port: number, probe: BrokerSpec["probe"]): Promise<boolean> {
  return new Promise((res) => {
    const sock = connect({ host: "127.0.0.1", port });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once("error", () => done(false));
    sock.once("connect", () => {
      if (probe.send) sock.write(probe.send);
    });
    sock.on("data", (d) => {
      buf += d.toString("utf8");
      if (buf.length >= probe.expect.length) done(buf.startsWith(probe.expect));
    });
  });
}
