// Runs one http scenario window: autocannon (and, for publish, the WebSocket subscribers) in child processes pinned to the
// client cpus, on one shared CLOCK_MONOTONIC schedule; merges their reports into a LoadResult plus http details.
import os from "node:os";
import { fileURLToPath } from "node:url";
import { nowNs } from "@wsarena/driver-kit";
import type { LoadResult } from "@wsarena/loadgen";
import { mergeHistograms, summarize } from "@wsarena/stats";
import { ChildSet, parseCpuList, spawnPinnedWorker, type PinnedWorker } from "@wsarena/host";
import type { AutocannonResult, AutocannonTask, SubscriberDrain, SubscriberResult, SubscriberStart, SubscriberTask, WorkerMessage } from "./ipc.ts";

/** Margin between both workers being ready and the start of the load. */
export const HTTP_START_MARGIN_MS = 100;
/** Longest wait for the subscribers' missing deliveries after the window. */
export const HTTP_DRAIN_MS = 3_000;
/** Time allowed on top of warm-up + window for spawning, connecting and draining, before the window is abandoned. */
export const HTTP_TIMEOUT_SLACK_MS = 30_000;

const AUTOCANNON_WORKER = fileURLToPath(new URL("./autocannon-worker.ts", import.meta.url));
const SUBSCRIBER_WORKER = fileURLToPath(new URL("./subscriber-worker.ts", import.meta.url));

const workers = new ChildSet();

/** Kills every http client worker still running (SIGKILL). */
export function killHttpWorkers(): number {
  return workers.killAll();
}

/** Options of one http window; never mutated. */
export interface HttpLoadOptions {
  /** Server base URLs. */
  httpUrl: string;
  wsUrl: string;
  protocol: "ws" | "socket.io";
  target: "health" | "publish";
  /** autocannon connections, pipelining and overallRate (0 = as fast as answered). */
  connections: number;
  pipelining: number;
  overallRate: number;
  /** Publish: subscribers, topic and body bytes. */
  subscribers: number;
  topic: string;
  sizeBytes: number;
  warmupMs: number;
  durationMs: number;
  /** taskset list of the client, or undefined = not pinned. */
  clientCpus: string | undefined;
  /** Aborting kills the workers. */
  signal?: AbortSignal;
}

/** What the http scenario stores per repetition in `details`. */
export type HttpDetails = {
  /** "health" or "publish". */
  target: "health" | "publish";
  /** Requests answered 2xx per second over the window (requests sent inside it). */
  requestsPerSec: number;
  /** Responses that were not 2xx, of requests sent inside the window. */
  non2xx: number;
  /** Response time of in-window requests (hrtime write → full response), µs, from our HDR histogram. */
  responseLatency: ReturnType<typeof summarize>;
  /** Encoded µs HDR histogram of the response times. */
  responseHistogram: string | null;
  /** autocannon's own figures over the whole run (warm-up included; latency in whole ms as autocannon rounds it). */
  autocannon: AutocannonResult["autocannon"];
  /** Publish: fan-out latency per receiver (receive − the body's send time), µs, or null for health. */
  fanoutLatency: ReturnType<typeof summarize>;
  /** Publish: subscribers connected. */
  subscribersConnected: number;
  /** CPU seconds over the window of the autocannon worker and of the subscriber worker. */
  autocannonCpuSeconds: number;
  subscriberCpuSeconds: number;
};

type Worker = PinnedWorker<AutocannonTask | SubscriberTask | SubscriberStart | SubscriberDrain, WorkerMessage>;

function startWorker(path: string, clientCpus: string | undefined, signal: AbortSignal | undefined): Worker {
  const name = path.split("/").pop();
  return spawnPinnedWorker({
    script: path,
    cpus: clientCpus,
    children: workers,
    ...(signal ? { signal } : {}),
    texts: {
      fatal: (message) => message,
      spawnFailed: (argv, message) => `cannot start ${argv}: ${message}`,
      exited: (code, signal) => `http client worker ${name} exited (code ${code}, signal ${signal}) before reporting`,
    },
  });
}

/** Cores the client workers may run on: the pinned list's size, or every core when unpinned. */
function clientCores(list: string | undefined): number {
  return list === undefined ? os.cpus().length : Math.max(1, parseCpuList(list).length);
}

/**
 * Runs one window and returns it as a LoadResult (msgsPerSec = 2xx responses/s for health, deliveries/s for publish;
 * latency = response time for health, fan-out latency for publish; integrity = exactly-once over the subscribers).
 */
export async function runHttpLoad(o: HttpLoadOptions): Promise<LoadResult & { details: HttpDetails }> {
  const started: Worker[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const ac = startWorker(AUTOCANNON_WORKER, o.clientCpus, o.signal);
    started.push(ac);
    const sub = o.target === "publish" ? startWorker(SUBSCRIBER_WORKER, o.clientCpus, o.signal) : null;
    if (sub) started.push(sub);
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () => rej(new Error(`http window passed its bound of ${o.warmupMs + o.durationMs + HTTP_TIMEOUT_SLACK_MS} ms`)),
        o.warmupMs + o.durationMs + HTTP_TIMEOUT_SLACK_MS,
      );
    });
    timeout.catch(() => {});
    await Promise.race([ac.next("ready"), timeout]);
    // The subscribers connect first (their ready means every connection is open), then the schedule is fixed.
    if (sub) {
      sub.send({
        type: "task",
        url: o.wsUrl,
        protocol: o.protocol,
        subscribers: o.subscribers,
        topic: o.topic,
        sizeBytes: o.sizeBytes,
      } satisfies SubscriberTask);
      await Promise.race([sub.next("ready"), timeout]);
    }
    const startNs = nowNs() + HTTP_START_MARGIN_MS * 1e6;
    const sched = { startNs, windowStartNs: startNs + o.warmupMs * 1e6, windowEndNs: startNs + (o.warmupMs + o.durationMs) * 1e6 };
    sub?.send({ type: "start", windowStartNs: sched.windowStartNs, windowEndNs: sched.windowEndNs } satisfies SubscriberStart);
    ac.send({
      type: "task",
      url: o.httpUrl,
      target: o.target,
      topic: o.topic,
      sizeBytes: o.sizeBytes,
      connections: o.connections,
      pipelining: o.pipelining,
      overallRate: o.overallRate,
      ...sched,
    } satisfies AutocannonTask);
    const wallMinusMonoMs = Date.now() - nowNs() / 1e6;
    const acr = (await Promise.race([ac.next("result"), timeout])) as AutocannonResult;
    let sr: SubscriberResult | null = null;
    if (sub) {
      sub.send({ type: "drain", expectedPerSubscriber: acr.sentInWindow, drainMs: HTTP_DRAIN_MS } satisfies SubscriberDrain);
      sr = (await Promise.race([sub.next("result"), timeout])) as SubscriberResult;
    }
    return assemble(o, acr, sr, wallMinusMonoMs);
  } finally {
    clearTimeout(timer);
    await Promise.all(started.map((w) => w.stop()));
  }
}

/** The LoadOptions a window is reported under (the http scenario's knobs mapped onto the loadgen's). */
function loadOptions(o: HttpLoadOptions): LoadResult["options"] {
  const publish = o.target === "publish";
  return {
    url: o.httpUrl,
    protocol: o.protocol,
    driver: "frame",
    mode: publish ? "pubsub" : "echo",
    connections: o.connections,
    window: o.pipelining,
    rate: o.overallRate,
    size: o.sizeBytes,
    binary: false,
    durationMs: o.durationMs,
    warmupMs: o.warmupMs,
    stream: { format: "json", rate: 0 },
    pubsub: { subscribers: o.subscribers, publishers: 0, topic: o.topic },
    holdMs: 0,
    sourceAddresses: 1,
    workers: publish ? 2 : 1,
    timeoutMs: o.warmupMs + o.durationMs + HTTP_TIMEOUT_SLACK_MS,
    ...(o.clientCpus !== undefined ? { clientCpus: o.clientCpus } : {}),
  };
}

/** Exactly-once over the subscribers for publish (every one should get every in-window body); answered requests for health. */
function integrityOf(o: HttpLoadOptions, a: AutocannonResult, s: SubscriberResult | null): LoadResult["integrity"] {
  if (o.target !== "publish") {
    return {
      sent: a.sentInWindow,
      received: a.ok2xx + a.non2xx,
      lost: Math.max(0, a.sentInWindow - a.ok2xx - a.non2xx),
      duplicated: 0,
      reordered: 0,
      corrupted: 0,
    };
  }
  return {
    sent: a.sentInWindow,
    received: s!.windowReceived + s!.windowCorrupted,
    lost: Math.max(0, a.sentInWindow * o.subscribers - s!.windowDistinct - s!.windowCorrupted),
    duplicated: s!.windowDuplicated,
    reordered: s!.windowReordered,
    corrupted: s!.windowCorrupted,
  };
}

/** The subscriber side's connection figures (no connect timing: the subscribers connect before the schedule). */
function connectOf(o: HttpLoadOptions, s: SubscriberResult | null): LoadResult["connect"] {
  return {
    attempted: o.target === "publish" ? s!.connected + s!.connectFailed : 0,
    succeeded: s?.connected ?? 0,
    failed: s?.connectFailed ?? 0,
    perSec: 0,
    p50Us: 0,
    p90Us: 0,
    p99Us: 0,
    maxUs: 0,
    errors: (s?.errors ?? []).filter((e) => e.startsWith("connect:")).slice(0, 5),
  };
}

/** CPU use of the autocannon worker and (publish) the subscriber worker over the window. */
function clientCpuOf(o: HttpLoadOptions, a: AutocannonResult, s: SubscriberResult | null, secs: number): LoadResult["clientCpu"] {
  const cpuSeconds = (a.cpuUs + (s?.cpuUs ?? 0)) / 1e6;
  return {
    cpus: o.clientCpus ?? null,
    workers: o.target === "publish" ? 2 : 1,
    cpuSeconds,
    utilisation: cpuSeconds / (secs * clientCores(o.clientCpus)),
    perWorkerCpuSeconds: [a.cpuUs / 1e6, ...(s ? [s.cpuUs / 1e6] : [])],
  };
}

/** Latency summary of one encoded µs histogram (null when absent or empty). */
const latencyOf = (histogram: string | null): ReturnType<typeof summarize> => summarize(mergeHistograms([histogram]));

/** The http details of a window: the autocannon side's figures and, for publish, the subscribers' fan-out. */
function detailsOf(o: HttpLoadOptions, a: AutocannonResult, s: SubscriberResult | null, secs: number): HttpDetails {
  return {
    target: o.target,
    requestsPerSec: a.ok2xx / secs,
    non2xx: a.non2xx,
    responseLatency: latencyOf(a.histogram),
    responseHistogram: a.histogram,
    autocannon: a.autocannon,
    fanoutLatency: o.target === "publish" ? latencyOf(s?.histogram ?? null) : null,
    subscribersConnected: s?.connected ?? 0,
    autocannonCpuSeconds: a.cpuUs / 1e6,
    subscriberCpuSeconds: (s?.cpuUs ?? 0) / 1e6,
  };
}

/** Merges both workers' reports into the window's LoadResult plus its http details. */
function assemble(o: HttpLoadOptions, a: AutocannonResult, s: SubscriberResult | null, wallMinusMonoMs: number): LoadResult & { details: HttpDetails } {
  const durationMs = (a.w1Ns - a.w0Ns) / 1e6;
  const secs = durationMs / 1000;
  const publish = o.target === "publish";
  const details = detailsOf(o, a, s, secs);
  const clientCpu = clientCpuOf(o, a, s, secs);
  const errors = [...a.errors, ...(s?.errors ?? [])];
  if (a.non2xx > 0) errors.push(`${a.non2xx} of ${a.sentInWindow} in-window requests were answered with a status other than 2xx`);
  const received = publish ? s!.receivedInWindow : a.ok2xx;
  const histogram = publish ? (s!.histogram ?? null) : a.histogram;
  const start = Math.min(a.w0Ns, s?.w0Ns ?? a.w0Ns);
  const end = Math.max(a.w1Ns, s?.w1Ns ?? a.w1Ns);
  return {
    driver: "frame",
    mode: publish ? "pubsub" : "echo",
    options: loadOptions(o),
    windowStartMs: wallMinusMonoMs + start / 1e6,
    windowEndMs: wallMinusMonoMs + end / 1e6,
    durationMs,
    msgsPerSec: publish ? s!.receivedInWindow / secs : details.requestsPerSec,
    bytesPerSec: (publish ? s!.bytesInWindow : a.bytesInWindow) / secs,
    sentPerSec: a.sentInWindow / secs,
    latency: latencyOf(histogram),
    histogram,
    integrity: integrityOf(o, a, s),
    connect: connectOf(o, s),
    clientCpu,
    msgsPerClientCpuSec: clientCpu.cpuSeconds > 0 ? received / clientCpu.cpuSeconds : 0,
    errors,
    closeCodes: s?.closeCodes ?? {},
    details,
  };
}
