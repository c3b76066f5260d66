// Worker process entry: runs one driver for its share of the connections and reports histograms, counters and CPU.
// Started by runLoad (node --import tsx, pinned with taskset); exits when its parent's IPC channel goes away.
import { nowNs, type Driver, type DriverCounters, type DriverFactory, type DriverSink } from "@wsarena/driver-kit";
import { encode, newHistogram, record } from "./histogram.ts";
import type { ConnectedMessage, FromWorker, ResultMessage, StartMessage, ToWorker } from "./ipc.ts";
import type { DriverId } from "./types.ts";

/** Most distinct error texts a worker reports. */
export const MAX_WORKER_ERRORS = 20;
/** After the window, pub/sub with publishers in other workers waits until nothing arrived for this long. */
export const QUIET_MS = 150;
/** How often the drain checks whether every in-window message is accounted for. */
export const DRAIN_POLL_MS = 2;

async function loadFactory(id: DriverId): Promise<DriverFactory> {
  if (id === "frame") return (await import("@wsarena/driver-frame")).createFrameDriver;
  if (id === "ws") return (await import("@wsarena/driver-ws")).createWsDriver;
  return (await import("@wsarena/driver-socket-io")).createSocketIoDriver;
}

function send(m: FromWorker): void {
  process.send?.(m);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Resolves at `ns` on the monotonic clock: a timer to within 2 ms, then a short spin (timers may fire early or late). */
async function at(ns: number): Promise<void> {
  const ms = (ns - nowNs()) / 1e6 - 2;
  if (ms > 0) await sleep(ms);
  while (nowNs() < ns) {
    /* spin at most ~2 ms */
  }
}

async function main(): Promise<void> {
  const latency = newHistogram();
  const schedulerLag = newHistogram();
  const connectHist = newHistogram();
  const errors = new Set<string>();
  const connectErrors = new Set<string>();
  const closeCodes: Record<string, number> = {};
  let attempted = 0;
  let failed = 0;
  const sink: DriverSink = {
    latency: (us, count) => record(latency, us, count),
    schedulerLag: (us) => record(schedulerLag, us),
    connected: (us) => {
      attempted++;
      record(connectHist, us);
    },
    connectFailed: (reason) => {
      attempted++;
      failed++;
      if (connectErrors.size < MAX_WORKER_ERRORS) connectErrors.add(reason);
    },
    error: (reason) => {
      if (errors.size < MAX_WORKER_ERRORS) errors.add(reason);
    },
    closeCode: (code) => {
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    },
  };

  const task = await new Promise<Extract<ToWorker, { type: "task" }>>((res) => {
    process.once("message", (m: ToWorker) => {
      if (m.type === "task") res(m);
    });
  });
  setTimeout(() => {
    send({ type: "fatal", message: `worker ${process.pid} passed its hard timeout of ${task.timeoutMs} ms` });
    process.exit(3);
  }, task.timeoutMs).unref();

  const factory = await loadFactory(task.driver);
  const driver: Driver = factory(task.task, sink);
  const t0 = nowNs();
  await driver.connect();
  const connected: ConnectedMessage = {
    type: "connected",
    attempted,
    succeeded: attempted - failed,
    failed,
    rampMs: (nowNs() - t0) / 1e6,
    connectHistogram: encode(connectHist),
    errors: [...connectErrors],
  };
  send(connected);

  const start = await new Promise<StartMessage>((res) => {
    process.on("message", (m: ToWorker) => {
      if (m.type === "start") res(m);
      else if (m.type === "abort") void driver.close().finally(() => process.exit(0));
    });
  });
  await at(start.startNs);
  driver.start({ startNs: start.windowStartNs, endNs: start.windowEndNs });
  await at(start.windowStartNs);
  const c0 = driver.counters();
  const cpu0 = process.cpuUsage();
  const w0 = nowNs();
  await at(start.windowEndNs);
  const c1 = driver.counters();
  const cpu = process.cpuUsage(cpu0);
  const w1 = nowNs();
  driver.stopSending();

  // Drain: wait only as long as in-window messages can still be accounted for. Stream (count=0) never ends by itself
  // and its integrity is the seq range seen inside the window, so it stops right away; connections mode has nothing in
  // flight; echo waits until nothing is in flight; pub/sub until every in-window publish reached every local receiver
  // (known when all publishers are in this worker) or nothing arrived for QUIET_MS. All bounded by drainMs.
  const mode = task.task.mode;
  const ps = task.task.pubsub;
  const drainEnd = Date.now() + start.drainMs;
  let last = driver.counters();
  let lastChange = Date.now();
  const settled = (c: DriverCounters): boolean => {
    if (mode === "stream" || mode === "connections") return true;
    if (mode === "echo" || mode === "echo-open") return c.inFlight === 0;
    return ps.publishers === ps.totalPublishers && c.windowDistinct + c.windowCorrupted >= c.windowSent * task.task.connections;
  };
  while (!settled(last) && Date.now() < drainEnd) {
    await sleep(DRAIN_POLL_MS);
    const c = driver.counters();
    if (c.receivedTotal !== last.receivedTotal) lastChange = Date.now();
    last = c;
    if (mode === "pubsub" && Date.now() - lastChange >= QUIET_MS) break;
  }
  const f = last;
  const result: ResultMessage = {
    type: "result",
    windowStartNs: w0,
    windowEndNs: w1,
    receivedInWindow: c1.receivedTotal - c0.receivedTotal,
    bytesInWindow: c1.bytesReceivedTotal - c0.bytesReceivedTotal,
    sentInWindow: c1.sentTotal - c0.sentTotal,
    cpuUs: cpu.user + cpu.system,
    windowSent: f.windowSent,
    windowReceived: f.windowReceived,
    windowDistinct: f.windowDistinct,
    windowDuplicated: f.windowDuplicated,
    windowReordered: f.windowReordered,
    windowCorrupted: f.windowCorrupted,
    inFlightAtEnd: f.inFlight,
    histogram: latency.totalCount > 0 ? encode(latency) : null,
    schedulerLagHistogram: schedulerLag.totalCount > 0 ? encode(schedulerLag) : null,
    errors: [...errors],
    closeCodes,
  };
  await new Promise<void>((res) => process.send?.(result, undefined, {}, () => res()) ?? res());
  await Promise.race([driver.close(), sleep(2000)]);
  process.disconnect?.();
  process.exit(0);
}

process.on("disconnect", () => process.exit(1));
main().catch((e: unknown) => {
  send({ type: "fatal", message: e instanceof Error ? e.message : String(e) });
  setTimeout(() => process.exit(2), 100);
});
