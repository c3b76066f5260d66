// Child process holding the WebSocket subscribers of the http scenario's publish points: the frame driver in pub/sub mode
// with no publisher of its own (sender 0 is the HTTP publisher), fan-out latency per receiver in a µs HDR histogram.
import { createFrameDriver } from "@wsarena/driver-frame";
import { measureWindow, type DriverCounters, type DriverSink } from "@wsarena/driver-kit";
import { sleep } from "@wsarena/host/time";
import { encodeHistogram, newHistogram, record } from "@wsarena/stats";
import type { SubscriberDrain, SubscriberResult, SubscriberStart, SubscriberTask, WorkerMessage } from "./ipc.ts";

/** Most distinct error texts reported. */
export const MAX_ERRORS = 10;
/** Connections opened concurrently while ramping. */
export const CONNECT_CONCURRENCY = 64;
/** The drain stops once nothing arrived for this long. */
export const QUIET_MS = 300;

const send = (m: WorkerMessage): void => void process.send?.(m);

const hist = newHistogram();
const errors = new Set<string>();
const closeCodes: Record<string, number> = {};
let connected = 0;
let connectFailed = 0;
const sink: DriverSink = {
  latency: (us, count) => record(hist, us, count),
  connected: () => void connected++,
  connectFailed: (reason) => {
    connectFailed++;
    if (errors.size < MAX_ERRORS) errors.add(`connect: ${reason}`);
  },
  error: (reason) => void (errors.size < MAX_ERRORS && errors.add(reason)),
  closeCode: (code) => void (closeCodes[code] = (closeCodes[code] ?? 0) + 1),
};

function nextMessage<T extends { type: string }>(type: T["type"]): Promise<T> {
  return new Promise((res) => {
    const on = (m: T) => {
      if (m.type !== type) return;
      process.off("message", on);
      res(m);
    };
    process.on("message", on);
  });
}

async function main(): Promise<void> {
  const task = await nextMessage<SubscriberTask>("task");
  const driver = createFrameDriver(
    {
      mode: "pubsub",
      url: task.url,
      protocol: task.protocol,
      connections: task.subscribers,
      window: 1,
      refillFraction: 1,
      ratePerSec: 0,
      size: task.sizeBytes,
      binary: false,
      stream: { format: "json", rate: 0 },
      pubsub: { subscribers: task.subscribers, publishers: 0, topic: task.topic, publisherOffset: 0, totalPublishers: 1 },
      sourceAddresses: [],
      connectionOffset: 0,
      connectConcurrency: CONNECT_CONCURRENCY,
    },
    sink,
  );
  await driver.connect();
  send({ type: "ready" });
  const win = await nextMessage<SubscriberStart>("start");
  driver.start({ startNs: win.windowStartNs, endNs: win.windowEndNs });
  const { c0, c1, cpu, w0: w0Ns, w1: w1Ns } = await measureWindow(driver, win.windowStartNs, win.windowEndNs);
  const drain = await nextMessage<SubscriberDrain>("drain");
  const want = drain.expectedPerSubscriber * task.subscribers;
  const end = Date.now() + drain.drainMs;
  let last: DriverCounters = driver.counters();
  let lastChange = Date.now();
  while (last.windowDistinct + last.windowCorrupted < want && Date.now() < end && Date.now() - lastChange < QUIET_MS) {
    await sleep(5);
    const c = driver.counters();
    if (c.receivedTotal !== last.receivedTotal) lastChange = Date.now();
    last = c;
  }
  driver.stopSending();
  const r: SubscriberResult = {
    type: "result",
    w0Ns,
    w1Ns,
    cpuUs: cpu.user + cpu.system,
    receivedInWindow: c1.receivedTotal - c0.receivedTotal,
    bytesInWindow: c1.bytesReceivedTotal - c0.bytesReceivedTotal,
    windowReceived: last.windowReceived,
    windowDistinct: last.windowDistinct,
    windowDuplicated: last.windowDuplicated,
    windowReordered: last.windowReordered,
    windowCorrupted: last.windowCorrupted,
    histogram: hist.totalCount > 0 ? encodeHistogram(hist) : null,
    connected,
    connectFailed,
    errors: [...errors],
    closeCodes,
  };
  await new Promise<void>((res) => process.send?.(r, undefined, {}, () => res()) ?? res());
  await Promise.race([driver.close(), sleep(2000)]);
}

main()
  .catch((e: Error) => send({ type: "fatal", message: `subscriber worker: ${e.message}` }))
  .finally(() => {
    process.disconnect?.();
    process.exit(0);
  });
process.on("disconnect", () => process.exit(0));
