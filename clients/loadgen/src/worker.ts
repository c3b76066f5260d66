// Worker process entry: runs one driver for its share of the connections and reports histograms, counters and CPU.
// Started by runLoad (node --import tsx, pinned with taskset); exits when its parent's IPC channel goes away.
import {
  measureWindow,
  nowNs,
  untilNs,
  type Driver,
  type DriverCounters,
  type DriverFactory,
  type DriverSink,
  type DriverTask,
  type WindowEdges,
} from "@wsarena/driver-kit";
import { sleep } from "@wsarena/host/time";
import { encodeHistogram, newHistogram, record } from "@wsarena/stats";
import type { ConnectedMessage, FromWorker, ResultMessage, StartMessage, TaskMessage, ToWorker } from "./ipc.ts";
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

/** The sink the driver reports into: latency, scheduler-lag and connect histograms, connect outcomes, errors, close codes. */
class Collector implements DriverSink {
  readonly latencyHist = newHistogram();
  readonly schedulerLagHist = newHistogram();
  readonly connectHist = newHistogram();
  readonly errors = new Set<string>();
  readonly connectErrors = new Set<string>();
  readonly closeCodes: Record<string, number> = {};
  attempted = 0;
  failed = 0;

  latency(us: number, count: number): void {
    record(this.latencyHist, us, count);
  }
  schedulerLag(us: number): void {
    record(this.schedulerLagHist, us);
  }
  connected(us: number): void {
    this.attempted++;
    record(this.connectHist, us);
  }
  connectFailed(reason: string): void {
    this.attempted++;
    this.failed++;
    if (this.connectErrors.size < MAX_WORKER_ERRORS) this.connectErrors.add(reason);
  }
  error(reason: string): void {
    if (this.errors.size < MAX_WORKER_ERRORS) this.errors.add(reason);
  }
  closeCode(code: number): void {
    this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
  }
}

/** Waits for the parent's task, then arms the worker's hard timeout. */
async function receiveTask(): Promise<TaskMessage> {
  const task = await new Promise<TaskMessage>((res) => {
    process.once("message", (m: ToWorker) => {
      if (m.type === "task") res(m);
    });
  });
  setTimeout(() => {
    send({ type: "fatal", message: `worker ${process.pid} passed its hard timeout of ${task.timeoutMs} ms` });
    process.exit(3);
  }, task.timeoutMs).unref();
  return task;
}

/** Opens every connection of the task and tells the parent how the ramp went. */
async function connect(driver: Driver, c: Collector): Promise<void> {
  const t0 = nowNs();
  await driver.connect();
  const connected: ConnectedMessage = {
    type: "connected",
    attempted: c.attempted,
    succeeded: c.attempted - c.failed,
    failed: c.failed,
    rampMs: (nowNs() - t0) / 1e6,
    connectHistogram: encodeHistogram(c.connectHist),
    errors: [...c.connectErrors],
  };
  send(connected);
}

/** Waits for the parent's schedule; an abort from now on closes the driver and exits. */
function receiveSchedule(driver: Driver): Promise<StartMessage> {
  return new Promise<StartMessage>((res) => {
    process.on("message", (m: ToWorker) => {
      if (m.type === "start") res(m);
      else if (m.type === "abort") void driver.close().finally(() => process.exit(0));
    });
  });
}

/** Follows the schedule: starts traffic, snapshots counters and CPU at the window edges, stops sending. */
async function runWindow(driver: Driver, start: StartMessage): Promise<WindowEdges> {
  await untilNs(start.startNs);
  driver.start({ startNs: start.windowStartNs, endNs: start.windowEndNs });
  const edges = await measureWindow(driver, start.windowStartNs, start.windowEndNs);
  driver.stopSending();
  return edges;
}

/**
 * Drain: waits only as long as in-window messages can still be accounted for, at most `drainMs`; returns the last
 * counters. Stream (count=0) never ends by itself and its integrity is the seq range seen inside the window, so it stops
 * right away; connections mode has nothing in flight; echo waits until nothing is in flight; pub/sub until every
 * in-window publish reached every local receiver (known when all publishers are in this worker) or nothing arrived for QUIET_MS.
 */
async function drain(driver: Driver, task: DriverTask, drainMs: number): Promise<DriverCounters> {
  const mode = task.mode;
  const ps = task.pubsub;
  const drainEnd = Date.now() + drainMs;
  let last = driver.counters();
  let lastChange = Date.now();
  const settled = (c: DriverCounters): boolean => {
    if (mode === "stream" || mode === "connections") return true;
    if (mode === "echo" || mode === "echo-open") return c.inFlight === 0;
    // Every publish reaches its room (rooms) or every connection of the task.
    const fanout = ps.roomSize !== undefined ? Math.min(ps.roomSize, task.connections) : task.connections;
    return ps.publishers === ps.totalPublishers && c.windowDistinct + c.windowCorrupted >= c.windowSent * fanout;
  };
  while (!settled(last) && Date.now() < drainEnd) {
    await sleep(DRAIN_POLL_MS);
    const c = driver.counters();
    if (c.receivedTotal !== last.receivedTotal) lastChange = Date.now();
    last = c;
    if (mode === "pubsub" && Date.now() - lastChange >= QUIET_MS) break;
  }
  return last;
}

/** The measurement of this worker: window deltas, integrity counts after the drain, encoded histograms, errors. */
function result(w: WindowEdges, f: DriverCounters, c: Collector): ResultMessage {
  return {
    type: "result",
    windowStartNs: w.w0,
    windowEndNs: w.w1,
    receivedInWindow: w.c1.receivedTotal - w.c0.receivedTotal,
    bytesInWindow: w.c1.bytesReceivedTotal - w.c0.bytesReceivedTotal,
    ...(w.c1.wireBytesReceivedTotal !== undefined
      ? {
          wireInWindow: {
            received: w.c1.wireBytesReceivedTotal - (w.c0.wireBytesReceivedTotal ?? 0),
            sent: (w.c1.wireBytesSentTotal ?? 0) - (w.c0.wireBytesSentTotal ?? 0),
          },
        }
      : {}),
    sentInWindow: w.c1.sentTotal - w.c0.sentTotal,
    ...(w.c1.readsTotal !== undefined
      ? {
          receiveInWindow: {
            reads: w.c1.readsTotal - (w.c0.readsTotal ?? 0),
            messages: w.c1.receivedTotal - w.c0.receivedTotal,
            bytes: (w.c1.wireBytesReceivedTotal ?? 0) - (w.c0.wireBytesReceivedTotal ?? 0),
          },
        }
      : {}),
    cpuUs: w.cpu.user + w.cpu.system,
    windowSent: f.windowSent,
    windowReceived: f.windowReceived,
    windowDistinct: f.windowDistinct,
    windowDuplicated: f.windowDuplicated,
    windowReordered: f.windowReordered,
    windowCorrupted: f.windowCorrupted,
    inFlightAtEnd: f.inFlight,
    histogram: c.latencyHist.totalCount > 0 ? encodeHistogram(c.latencyHist) : null,
    schedulerLagHistogram: c.schedulerLagHist.totalCount > 0 ? encodeHistogram(c.schedulerLagHist) : null,
    errors: [...c.errors],
    closeCodes: c.closeCodes,
  };
}

async function main(): Promise<void> {
  const collector = new Collector();
  const { driver: driverId, task } = await receiveTask();
  const driver = (await loadFactory(driverId))(task, collector);
  await connect(driver, collector);
  const start = await receiveSchedule(driver);
  const edges = await runWindow(driver, start);
  const settled = await drain(driver, task, start.drainMs);
  const r = result(edges, settled, collector);
  await new Promise<void>((res) => process.send?.(r, undefined, {}, () => res()) ?? res());
  await Promise.race([driver.close(), sleep(2000)]);
  process.disconnect?.();
  process.exit(0);
}

process.on("disconnect", () => process.exit(1));
main().catch((e: unknown) => {
  send({ type: "fatal", message: e instanceof Error ? e.message : String(e) });
  setTimeout(() => process.exit(2), 100);
});
