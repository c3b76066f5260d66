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

async function run(task: AutocannonTask): Promise<AutocannonResult> {
  const hist = newHistogram();
  const errors = new Set<string>();
  const { windowStartNs: ws, windowEndNs: we } = task;
  let seq = 0;
  let sentInWindow = 0;
  let ok2xx = 0;
  let non2xx = 0;
  let bytesInWindow = 0;
  let responses = 0;
  const publishPath = `/publish/${encodeURIComponent(task.topic)}`;
  // setupRequest runs right before autocannon writes the request (httpClient _doRequest), so the body's ts is its send
  // time on CLOCK_MONOTONIC, what the subscribers subtract from their receive time.
  const request: autocannon.Request =
    task.target === "health"
      ? { method: "GET", path: "/health" }
      : {
          method: "POST",
          path: publishPath,
          headers: { "content-type": "text/plain" },
          setupRequest: (req: autocannon.Request) => {
            const ts = nowNs();
            if (ts >= ws && ts < we) sentInWindow++;
            return { ...req, body: encodePayload(task.sizeBytes, false, seq++, 0, ts).toString("latin1") };
          },
        };
  await untilNs(task.startNs);
  let onDone!: (r: autocannon.Result) => void;
  let onFail!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((res, rej) => ((onDone = res), (onFail = rej)));
  const instance = autocannon({
    url: task.url,
    connections: task.connections,
    pipelining: task.pipelining,
    ...(task.overallRate > 0 ? { overallRate: task.overallRate } : {}),
    duration: 3600,
    timeout: REQUEST_TIMEOUT_S,
    requests: [request],
  }, (err: Error | null, r: autocannon.Result) => (err ? onFail(err) : onDone(r)));
  instance.on("response", ((_client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => {
    responses++;
    const end = nowNs();
    const sentAt = end - responseTimeMs * 1e6;
    if (sentAt < ws || sentAt >= we) return;
    if (task.target === "health") sentInWindow++;
    if (statusCode >= 200 && statusCode < 300) ok2xx++;
    else non2xx++;
    bytesInWindow += resBytes;
    record(hist, responseTimeMs * 1000);
  }) as never);
  instance.on("reqError", ((e: Error) => void (errors.size < MAX_ERRORS && errors.add(`request error: ${e.message}`))) as never);
  await untilNs(ws);
  const cpu0 = process.cpuUsage();
  const w0Ns = nowNs();
  await untilNs(we);
  const cpu = process.cpuUsage(cpu0);
  const w1Ns = nowNs();
  // Requests sent before the edge are still being answered: wait for them (publish: every body built so far; its
  // publish is only certain once answered), at most ANSWER_WAIT_MS, before stopping.
  const builtAtEdge = seq;
  const waitEnd = Date.now() + ANSWER_WAIT_MS;
  await sleep(MIN_ANSWER_WAIT_MS);
  while (task.target === "publish" && responses < builtAtEdge && Date.now() < waitEnd) await sleep(5);
  instance.stop();
  const r = await done;
  if (r.errors > 0 && errors.size === 0) errors.add(`autocannon counted ${r.errors} errors`);
  if (r.timeouts > 0) errors.add(`${r.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  return {
    type: "result",
    w0Ns,
    w1Ns,
    cpuUs: cpu.user + cpu.system,
    sentInWindow,
    ok2xx,
    non2xx,
    bytesInWindow,
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
