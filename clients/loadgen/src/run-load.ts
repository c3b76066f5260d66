// runLoad: splits a run over pinned worker processes, schedules warm-up and window on the shared clock, merges results.
import os from "node:os";
import { fileURLToPath } from "node:url";
import { nowNs, type DriverTask } from "@wsarena/driver-kit";
import { ChildSet, spawnPinnedWorker, type PinnedWorker } from "@wsarena/host";
import { encodeHistogram, mergeHistograms, summarize } from "@wsarena/stats";
import type { ConnectedMessage, FromWorker, ResultMessage, ToWorker } from "./ipc.ts";
import {
  cpuCount,
  DEFAULT_CONNECT_CONCURRENCY,
  DEFAULT_REFILL_FRACTION,
  DEFAULT_DRAIN_MS,
  OptionsError,
  resolveOptions,
  type RequiredLoadOptions,
} from "./options.ts";
import type { ClientCpu, LoadOptions, LoadResult, ReceiveCounts } from "./types.ts";

/** Margin between the last worker reporting "connected" and the common start, so every worker gets the start message. */
export const START_MARGIN_MS = 100;
/** Most errors kept in a result. */
export const MAX_RESULT_ERRORS = 20;

const WORKER_PATH = fileURLToPath(new URL("./worker.ts", import.meta.url));

const workers = new ChildSet();
let hooksInstalled = false;

/** Besides the ChildSet's exit hook: an interrupt kills the workers too, then keeps its default effect. */
function installSignalHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = (): void => {
      workers.killAll();
      // Keep the default behaviour (terminate) when nobody else handles the signal.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/** Splits `n` into `parts` near-equal integers. */
export function split(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < n - base * parts ? 1 : 0));
}

/** The tasks of each worker (workers left without connections are dropped). */
export function planTasks(o: LoadOptions, workers: number): DriverTask[] {
  const sources = Array.from({ length: o.sourceAddresses }, (_, i) => `127.0.0.${i + 1}`);
  const tasks: DriverTask[] = [];
  if (o.mode === "pubsub") {
    const subs = split(o.pubsub.subscribers, workers);
    const pubs = split(o.pubsub.publishers, workers);
    let connOff = 0;
    let pubOff = 0;
    for (let w = 0; w < workers; w++) {
      const n = subs[w]! + pubs[w]!;
      if (n === 0) continue;
      tasks.push(
        baseTask(o, w, n, (o.rate * pubs[w]!) / o.pubsub.publishers, sources, connOff, {
          subscribers: subs[w]!,
          publishers: pubs[w]!,
          topic: o.pubsub.topic,
          publisherOffset: pubOff,
          totalPublishers: o.pubsub.publishers,
          ...(o.pubsub.roomSize !== undefined ? { roomSize: o.pubsub.roomSize } : {}),
        }),
      );
      connOff += n;
      pubOff += pubs[w]!;
    }
    return tasks;
  }
  let off = 0;
  for (const [w, n] of split(o.connections, workers).entries()) {
    if (n === 0) continue;
    tasks.push(
      baseTask(o, w, n, (o.rate * n) / o.connections, sources, off, {
        subscribers: 0,
        publishers: 0,
        topic: o.pubsub.topic,
        publisherOffset: 0,
        totalPublishers: 0,
      }),
    );
    off += n;
  }
  return tasks;
}

function baseTask(
  o: LoadOptions,
  worker: number,
  connections: number,
  ratePerSec: number,
  sources: string[],
  offset: number,
  pubsub: DriverTask["pubsub"],
): DriverTask {
  return {
    mode: o.mode,
    url: o.workerUrls?.[worker] ?? o.url,
    protocol: o.protocol,
    connections,
    window: o.window,
    refillFraction: o.refillFraction ?? DEFAULT_REFILL_FRACTION,
    ratePerSec,
    size: o.size,
    binary: o.binary,
    stream: { ...o.stream },
    pubsub,
    sourceAddresses: sources,
    connectionOffset: offset,
    connectConcurrency: DEFAULT_CONNECT_CONCURRENCY,
    ...(o.deflate ? { deflate: true } : {}),
    ...(o.shape ? { shape: o.shape } : {}),
  };
}

type LoadWorker = PinnedWorker<ToWorker, FromWorker>;

interface WorkerHandle {
  worker: LoadWorker;
  connected: Promise<ConnectedMessage>;
  result: Promise<ResultMessage>;
}

function startWorker(o: LoadOptions, task: DriverTask, timeoutMs: number): WorkerHandle {
  // WSARENA_LOAD_CPU_PROF=<dir> writes a V8 CPU profile of every worker into <dir> (see where client time goes).
  const prof = process.env.WSARENA_LOAD_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.WSARENA_LOAD_CPU_PROF] : [];
  const worker = spawnPinnedWorker<ToWorker, FromWorker>({
    script: WORKER_PATH,
    cpus: o.clientCpus,
    nodeArgs: prof,
    children: workers,
    texts: {
      fatal: (message) => `load worker failed: ${message}`,
      spawnFailed: (argv, message) => `cannot start a load worker (${argv}): ${message}`,
      exited: (code, signal) => `load worker exited early (code ${code}, signal ${signal})`,
    },
  });
  worker.send({ type: "task", driver: o.driver, task, timeoutMs });
  return { worker, connected: worker.next("connected"), result: worker.next("result") };
}

/** Runs one load against a server and returns the merged result. Options are validated (OptionsError on a bad value). */
export async function runLoad(options: Partial<LoadOptions> & RequiredLoadOptions): Promise<LoadResult> {
  return (await runLoadGroup([options]))[0]!;
}

/**
 * Runs several loads at once on one shared schedule (every worker connected first, then one common warm-up and measured
 * window), e.g. a stream and an open-loop echo that together make up one user profile; one result per load, in order.
 * Each load keeps its own workers (pinned to its clientCpus) and options; the warm-up and window are the longest given.
 */
export async function runLoadGroup(optionsList: ReadonlyArray<Partial<LoadOptions> & RequiredLoadOptions>): Promise<LoadResult[]> {
  if (optionsList.length === 0) throw new OptionsError("runLoadGroup: expected at least one load");
  const all = optionsList.map(resolveOptions);
  installSignalHooks();
  // Cores the workers may run on: the pinned cpu list, or every core when unpinned.
  const coresOf = (o: LoadOptions): number => (o.clientCpus !== undefined ? cpuCount(o.clientCpus) : os.availableParallelism());
  const groups = all.map((o) => {
    const cores = coresOf(o);
    const workers = o.workerUrls?.length ?? o.workers ?? (o.clientCpus !== undefined ? cores : 1);
    const tasks = planTasks(o, workers);
    return { o, cores, tasks, handles: tasks.map((t) => startWorker(o, t, o.timeoutMs)) };
  });
  const handles = groups.flatMap((g) => g.handles);
  const timeoutMs = Math.max(...all.map((o) => o.timeoutMs));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`load run passed its hard timeout of ${timeoutMs} ms and was stopped`)), timeoutMs);
  });
  try {
    const connected = await Promise.race([Promise.all(groups.map((g) => Promise.all(g.handles.map((h) => h.connected)))), timeout]);
    const startNs = nowNs() + START_MARGIN_MS * 1e6;
    const connectionsOnly = all.every((o) => o.mode === "connections");
    const warmupMs = connectionsOnly ? 0 : Math.max(...all.map((o) => (o.mode === "connections" ? 0 : o.warmupMs)));
    const windowStartNs = startNs + warmupMs * 1e6;
    const windowEndNs = windowStartNs + Math.max(...all.map((o) => (o.mode === "connections" ? o.holdMs : o.durationMs))) * 1e6;
    // Both clocks read together: converts the workers' monotonic window edges to wall-clock ms.
    const wallMinusMonoMs = Date.now() - nowNs() / 1e6;
    for (const h of handles) h.worker.send({ type: "start", startNs, windowStartNs, windowEndNs, drainMs: DEFAULT_DRAIN_MS });
    const results = await Promise.race([Promise.all(groups.map((g) => Promise.all(g.handles.map((h) => h.result)))), timeout]);
    return groups.map((g, i) => assemble(g.o, g.tasks, connected[i]!, results[i]!, wallMinusMonoMs, g.cores));
  } finally {
    clearTimeout(timer);
    await Promise.all(handles.map((h) => h.worker.stop({ type: "abort" })));
  }
}

/** Client CPU of the workers over their windows, and per received message. */
function clientCpuOf(o: LoadOptions, results: ResultMessage[], durationMs: number, cores: number): ClientCpu {
  const cpuSeconds = results.reduce((a, r) => a + r.cpuUs, 0) / 1e6;
  const received = results.reduce((a, r) => a + r.receivedInWindow, 0);
  return {
    cpus: o.clientCpus ?? null,
    workers: results.length,
    cpuSeconds,
    // Each worker's CPU time is taken over its own window; the capacity is every core the workers may run on (their
    // helper threads — GC, the open-loop ticker, the module loader — run on any of them, so dividing by fewer cores,
    // e.g. one per worker when unpinned, reported more than 100 %).
    utilisation: cpuSeconds / ((durationMs / 1000) * cores),
    perWorkerCpuSeconds: results.map((r) => r.cpuUs / 1e6),
    usPerMsg: received > 0 ? (cpuSeconds * 1e6) / received : null,
  };
}

/** The workers' receive counts summed, when every worker counted its reads. */
function receiveOf(results: ResultMessage[]): { receive?: ReceiveCounts } {
  if (!results.every((r) => r.receiveInWindow)) return {};
  const sum = (f: (c: ReceiveCounts) => number): number => results.reduce((a, r) => a + f(r.receiveInWindow!), 0);
  return { receive: { reads: sum((c) => c.reads), messages: sum((c) => c.messages), bytes: sum((c) => c.bytes) } };
}

function assemble(
  o: LoadOptions,
  tasks: DriverTask[],
  connected: ConnectedMessage[],
  results: ResultMessage[],
  wallMinusMonoMs: number,
  cores: number,
): LoadResult {
  const sum = (f: (r: ResultMessage) => number): number => results.reduce((a, r) => a + f(r), 0);
  const perSec = (f: (r: ResultMessage) => number): number => sum((r) => f(r) / ((r.windowEndNs - r.windowStartNs) / 1e9));
  const durationMs = sum((r) => (r.windowEndNs - r.windowStartNs) / 1e6) / results.length;
  const lat = mergeHistograms(results.map((r) => r.histogram));
  const lag = mergeHistograms(results.map((r) => r.schedulerLagHistogram));
  const con = mergeHistograms(connected.map((c) => c.connectHistogram));
  const members = o.pubsub.subscribers + o.pubsub.publishers;
  const fanout = o.mode !== "pubsub" ? 1 : o.pubsub.roomSize !== undefined ? Math.min(o.pubsub.roomSize, members) : members;
  const windowSent = sum((r) => r.windowSent);
  const cpuSeconds = sum((r) => r.cpuUs) / 1e6;
  const received = sum((r) => r.receivedInWindow);
  const succeeded = connected.reduce((a, c) => a + c.succeeded, 0);
  const rampMs = Math.max(...connected.map((c) => c.rampMs));
  const errors = [...new Set([...connected.flatMap((c) => c.errors), ...results.flatMap((r) => r.errors)])].slice(0, MAX_RESULT_ERRORS);
  const closeCodes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
  // The actual window (workers snapshot at their timers, which a saturated event loop fires late), as wall-clock ms.
  const windowStartMs = wallMinusMonoMs + Math.min(...results.map((r) => r.windowStartNs)) / 1e6;
  const windowEndMs = wallMinusMonoMs + Math.max(...results.map((r) => r.windowEndNs)) / 1e6;
  return {
    driver: o.driver,
    mode: o.mode,
    options: o,
    windowStartMs,
    windowEndMs,
    durationMs,
    msgsPerSec: perSec((r) => r.receivedInWindow),
    bytesPerSec: perSec((r) => r.bytesInWindow),
    ...(results.every((r) => r.wireInWindow)
      ? { wire: { receivedBytesPerSec: perSec((r) => r.wireInWindow!.received), sentBytesPerSec: perSec((r) => r.wireInWindow!.sent) } }
      : {}),
    sentPerSec: perSec((r) => r.sentInWindow),
    ...receiveOf(results),
    latency: summarize(lat),
    histogram: lat.totalCount > 0 ? encodeHistogram(lat) : null,
    schedulerLagUs: summarize(lag),
    schedulerLagHistogram: lag.totalCount > 0 ? encodeHistogram(lag) : null,
    integrity: {
      sent: windowSent,
      // Corrupted deliveries were received (but cannot be attributed to a seq), so they are not counted lost.
      received: sum((r) => r.windowReceived + r.windowCorrupted),
      lost: Math.max(0, windowSent * fanout - sum((r) => r.windowDistinct + r.windowCorrupted)),
      duplicated: sum((r) => r.windowDuplicated),
      reordered: sum((r) => r.windowReordered),
      corrupted: sum((r) => r.windowCorrupted),
    },
    connect: {
      attempted: connected.reduce((a, c) => a + c.attempted, 0),
      succeeded,
      failed: connected.reduce((a, c) => a + c.failed, 0),
      perSec: rampMs > 0 ? succeeded / (rampMs / 1000) : 0,
      p50Us: con.totalCount ? con.getValueAtPercentile(50) : 0,
      p90Us: con.totalCount ? con.getValueAtPercentile(90) : 0,
      p99Us: con.totalCount ? con.getValueAtPercentile(99) : 0,
      maxUs: con.totalCount ? con.maxValue : 0,
      errors: [...new Set(connected.flatMap((c) => c.errors))].slice(0, 5),
    },
    clientCpu: clientCpuOf(o, results, durationMs, cores),
    msgsPerClientCpuSec: cpuSeconds > 0 ? received / cpuSeconds : 0,
    errors,
    closeCodes,
    ...(o.workerUrls
      ? {
          perWorker: results.map((r, i) => {
            const h = mergeHistograms([r.histogram]);
            return { url: tasks[i]!.url, publishers: tasks[i]!.pubsub.publishers, received: r.receivedInWindow, latency: summarize(h), histogram: r.histogram };
          }),
        }
      : {}),
  };
}
