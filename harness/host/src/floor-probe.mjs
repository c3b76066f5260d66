// Hiccup probe process (jHiccup method), started pinned by floor.ts: a worker thread sleeps a fixed interval in a loop and
// logs its wake-up lateness into a shared ring; the main thread answers "lateness histogram between t0 and t1" over IPC.
// Plain JavaScript run by plain node: the tsx loader would add its own idle CPU to the probe's cost.
// @ts-check
import { Worker } from "node:worker_threads";
import * as hdr from "hdr-histogram-js";

/** Wake-ups kept in the ring: 120 s at 1 ms, enough for any window asked about right after it ended. */
export const RING_ENTRIES = 120_000;
/** Period of the probe's own CPU readings (process.cpuUsage), ms. */
export const CPU_READING_INTERVAL_MS = 200;
/** Ring header (Int32): [0] futex word the sleeper waits on (set to 1 to stop it), [1] wake-ups written so far. */
const HEADER_BYTES = 16;
/** Histogram settings of the load generator (clients/loadgen/src/histogram.ts; floor.test.ts checks they agree). */
export const HISTOGRAM_SETTINGS = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
  bitBucketSize: 32,
  useWebAssembly: false,
};

/**
 * Sleeper thread, plain JavaScript (worker threads do not inherit the tsx loader on node 20). Atomics.wait gives a
 * sub-ms timed sleep without the event loop's timer coalescing; each wake-up logs (epoch ms, lateness µs).
 */
const SLEEPER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { sab, intervalUs, ringEntries, headerBytes } = workerData;
const header = new Int32Array(sab, 0, 4);
const ring = new Float64Array(sab, headerBytes, ringEntries * 2);
const intervalMs = intervalUs / 1000;
const originMs = performance.timeOrigin;
for (let n = 0; ; n++) {
  const before = performance.now();
  if (Atomics.wait(header, 0, 0, intervalMs) !== "timed-out") break;
  const after = performance.now();
  const i = (n % ringEntries) * 2;
  ring[i] = originMs + after;
  ring[i + 1] = (after - before) * 1000 - intervalUs;
  Atomics.store(header, 1, n + 1);
}
`;

/** Main thread: starts the sleeper, reads its own CPU every CPU_READING_INTERVAL_MS, answers window requests. */
function main() {
  const intervalUs = Number(process.argv[2]);
  if (!process.send || !(intervalUs > 0)) {
    process.stderr.write("floor-probe: start it through startFloorProbes (needs an IPC channel and the interval in µs as argv[2])\n");
    process.exit(2);
  }
  // The probe must never outlive the runner: the IPC channel closes when the parent dies, however it dies.
  process.on("disconnect", () => process.exit(0));
  const sab = new SharedArrayBuffer(HEADER_BYTES + RING_ENTRIES * 2 * 8);
  const header = new Int32Array(sab, 0, 4);
  const ring = new Float64Array(sab, HEADER_BYTES, RING_ENTRIES * 2);
  const thread = new Worker(SLEEPER_SOURCE, { eval: true, workerData: { sab, intervalUs, ringEntries: RING_ENTRIES, headerBytes: HEADER_BYTES } });
  thread.on("error", (e) => {
    process.stderr.write(`floor-probe: sleeper thread failed: ${e.message}\n`);
    process.exit(3);
  });
  /** @type {Array<{ atMs: number; cpuUs: number }>} */
  const cpuReadings = [];
  const readCpu = () => {
    const u = process.cpuUsage();
    cpuReadings.push({ atMs: Date.now(), cpuUs: u.user + u.system });
    if (cpuReadings.length > (RING_ENTRIES * intervalUs) / 1000 / CPU_READING_INTERVAL_MS) cpuReadings.shift();
  };
  readCpu();
  setInterval(readCpu, CPU_READING_INTERVAL_MS);

  process.on("message", (/** @type {import("./floor.ts").FloorProbeRequest} */ m) => {
    if (m.type === "stop") {
      Atomics.store(header, 0, 1);
      Atomics.notify(header, 0);
      process.exit(0);
    }
    if (m.type !== "window") return;
    // Read the CPU before answering, so the work of this answer is not charged to the window.
    readCpu();
    const h = hdr.build(HISTOGRAM_SETTINGS);
    const record = (/** @type {number} */ us) => h.recordValue(Math.min(HISTOGRAM_SETTINGS.highestTrackableValue, Math.max(0, Math.round(us))));
    const written = Atomics.load(header, 1);
    // Skip the oldest slots: the sleeper may be overwriting them while we read.
    const from = Math.max(0, written - RING_ENTRIES + 16);
    let count = 0;
    for (let n = from; n < written; n++) {
      const i = (n % RING_ENTRIES) * 2;
      const atMs = ring[i];
      if (atMs < m.startMs || atMs > m.endMs) continue;
      const latenessUs = ring[i + 1];
      record(latenessUs);
      count++;
      // jHiccup's correction for coordinated omission: a stall of k intervals also delayed the k wake-ups that a
      // regular sampler would have taken during it (recordValueWithExpectedInterval).
      for (let missing = latenessUs - intervalUs; missing >= intervalUs; missing -= intervalUs) record(missing);
    }
    /** @type {import("./floor.ts").FloorProbeReply} */
    const reply = {
      type: "window",
      id: m.id,
      wakeups: count,
      histogram: h.totalCount > 0 ? hdr.encodeIntoCompressedBase64(h) : null,
      probeCpuPct: cpuPctBetween(cpuReadings, m.startMs, m.endMs),
    };
    process.send?.(reply);
  });
  // Ready once the sleeper has logged a first wake-up.
  const waitFirst = setInterval(() => {
    if (Atomics.load(header, 1) > 0) {
      clearInterval(waitFirst);
      process.send?.({ type: "ready", pid: process.pid });
    }
  }, 5);
}

/**
 * CPU of this process between the reading at or before startMs and the first at or after endMs, % of one core.
 * @param {ReadonlyArray<{ atMs: number; cpuUs: number }>} readings
 * @param {number} startMs
 * @param {number} endMs
 * @returns {number | null}
 */
function cpuPctBetween(readings, startMs, endMs) {
  let a = 0;
  for (let i = 0; i < readings.length; i++) if (readings[i].atMs <= startMs) a = i;
  let b = readings.length - 1;
  for (let i = readings.length - 1; i > a; i--) if (readings[i].atMs >= endMs) b = i;
  const ra = readings[a];
  const rb = readings[b];
  if (!ra || !rb || rb.atMs - ra.atMs <= 0) return null;
  return Math.round(((rb.cpuUs - ra.cpuUs) / 1000 / (rb.atMs - ra.atMs)) * 100 * 100) / 100;
}

main();
