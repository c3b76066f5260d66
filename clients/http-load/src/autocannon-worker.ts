// Child process that drives HTTP load with autocannon's programmatic API and times every response itself (hrtime, µs
// HDR histogram: autocannon's own histogram rounds to whole ms). Started pinned by http-load.ts; talks over IPC.
import autocannon from "autocannon";
import { encodePayload, nowNs, untilNs } from "@wsarena/driver-kit";
import { sleep } from "@wsarena/host/time";
import { encodeHistogram, newHistogram, record } from "@wsarena/stats";
import type { AutocannonResult, AutocannonTask, WorkerMessage } from "./ipc.ts";

/** Most distinct error texts reported. */
export const MAX_ERRORS = 10;
/** After the window: wait at least this long for answers to requests sent before its end, and at most ANSWER_WAIT_MS. */
export const MIN_ANSWER_WAIT_MS = 200;
export const ANSWER_WAIT_MS = 5_000;
/** autocannon's per-request timeout, s (a request unanswered this long counts as a timeout). */
export const REQUEST_TIMEOUT_S = 10;

const send = (m: WorkerMessage): void => void process.send?.(m);

type Histogram = ReturnType<typeof newHistogram>;

/** What the run counts of requests sent inside the window, and the bodies built so far. */
interface Counts {
  seq: number;
  sentInWindow: number;
  ok2xx: number;
  non2xx: number;
  bytesInWindow: number;
  responses: number;
}

/**
 * The request autocannon repeats. setupRequest runs right before autocannon writes the request (httpClient
 * _doRequest), so the body's ts is its send time on CLOCK_MONOTONIC, what the subscribers subtract from their receive time.
 */
function buildRequest(task: AutocannonTask, n: Counts): autocannon.Request {
  if (task.target === "health") return { method: "GET", path: "/health" };
  return {
    method: "POST",
    path: `/publish/${encodeURIComponent(task.topic)}`,
    headers: { "content-type": "text/plain" },
    setupRequest: (req: autocannon.Request) => {
      const ts = nowNs();
      if (ts >= task.windowStartNs && ts < task.windowEndNs) n.sentInWindow++;
      return { ...req, body: encodePayload(task.sizeBytes, false, n.seq++, 0, ts).toString("latin1") };
    },
  };
}

/** Starts autocannon at task.startNs; counts and times every response to a request sent inside the window. */
async function startAutocannon(
  task: AutocannonTask,
  n: Counts,
  hist: Histogram,
  errors: Set<string>,
): Promise<{ instance: autocannon.Instance; done: Promise<autocannon.Result> }> {
  const request = buildRequest(task, n);
  await untilNs(task.startNs);
  let onDone!: (r: autocannon.Result) => void;
  let onFail!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((res, rej) => ((onDone = res), (onFail = rej)));
  const instance = autocannon(
    {
      url: task.url,
      connections: task.connections,
      pipelining: task.pipelining,
      ...(task.overallRate > 0 ? { overallRate: task.overallRate } : {}),
      duration: 3600,
      timeout: REQUEST_TIMEOUT_S,
      requests: [request],
    },
    (err: Error | null, r: autocannon.Result) => (err ? onFail(err) : onDone(r)),
  );
  instance.on("response", ((_client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => {
    n.responses++;
    const sentAt = nowNs() - responseTimeMs * 1e6;
    if (sentAt < task.windowStartNs || sentAt >= task.windowEndNs) return;
    if (task.target === "health") n.sentInWindow++;
    if (statusCode >= 200 && statusCode < 300) n.ok2xx++;
    else n.non2xx++;
    n.bytesInWindow += resBytes;
    record(hist, responseTimeMs * 1000);
  }) as never);
  instance.on("reqError", ((e: Error) => void (errors.size < MAX_ERRORS && errors.add(`request error: ${e.message}`))) as never);
  return { instance, done };
}

async function run(task: AutocannonTask): Promise<AutocannonResult> {
  const hist = newHistogram();
  const errors = new Set<string>();
  const n: Counts = { seq: 0, sentInWindow: 0, ok2xx: 0, non2xx: 0, bytesInWindow: 0, responses: 0 };
  const { instance, done } = await startAutocannon(task, n, hist, errors);
  await untilNs(task.windowStartNs);
  const cpu0 = process.cpuUsage();
  const w0Ns = nowNs();
  await untilNs(task.windowEndNs);
  const cpu = process.cpuUsage(cpu0);
  const w1Ns = nowNs();
  // Requests sent before the edge are still being answered: wait for them (publish: every body built so far; its
  // publish is only certain once answered), at most ANSWER_WAIT_MS, before stopping.
  const builtAtEdge = n.seq;
  const waitEnd = Date.now() + ANSWER_WAIT_MS;
  await sleep(MIN_ANSWER_WAIT_MS);
  while (task.target === "publish" && n.responses < builtAtEdge && Date.now() < waitEnd) await sleep(5);
  instance.stop();
  const r = await done;
  if (r.errors > 0 && errors.size === 0) errors.add(`autocannon counted ${r.errors} errors`);
  if (r.timeouts > 0) errors.add(`${r.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  return {
    type: "result",
    w0Ns,
    w1Ns,
    cpuUs: cpu.user + cpu.system,
    sentInWindow: n.sentInWindow,
    ok2xx: n.ok2xx,
    non2xx: n.non2xx,
    bytesInWindow: n.bytesInWindow,
    histogram: hist.totalCount > 0 ? encodeHistogram(hist) : null,
    autocannon: { requestsAverage: r.requests.average, latencyP99Ms: r.latency.p99, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx },
    errors: [...errors],
  };
}

process.once("message", (task: AutocannonTask) => {
  run(task)
    .then((r) => new Promise<void>((res) => process.send?.(r, undefined, {}, () => res()) ?? res()))
    .catch((e: Error) => send({ type: "fatal", message: `autocannon worker: ${e.message}` }))
    .finally(() => {
      process.disconnect?.();
      process.exit(0);
    });
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
