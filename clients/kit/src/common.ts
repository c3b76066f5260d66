// Pieces every driver shares: URL parsing, source-address choice, a bounded-concurrency connect ramp, and the
// open-loop scheduler (wrk2-style: intended send times on a fixed grid, so a stalled server shows in the tail).
import { Worker } from "node:worker_threads";
import { nowNs, type LoadShape } from "./contract.ts";

/** Host and port of a ws:// base URL; throws a readable error otherwise. */
export function parseBaseUrl(url: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid url "${url}": expected ws://HOST:PORT`);
  }
  if (u.protocol !== "ws:" && u.protocol !== "http:") throw new Error(`url "${url}": expected a ws:// (or http://) URL`);
  const port = Number(u.port || 80);
  return { host: u.hostname, port };
}

/** Source address of the connection with global index `i`, or undefined to let the OS choose. */
export function sourceAddressFor(addresses: string[], i: number): string | undefined {
  return addresses.length > 1 ? addresses[i % addresses.length] : undefined;
}

/** Runs `open(i)` for i in [0, n) with at most `concurrency` pending at once. */
export async function ramp(n: number, concurrency: number, open: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await open(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, lane));
}

/** Default grid step of the open-loop scheduler. */
export const OPEN_LOOP_TICK_MS = 1;

/** Something that can send `count` messages stamped with intended send time `tsNs`. */
export interface OpenLoopTarget {
  send(count: number, tsNs: number): void;
}

/** Options of an OpenLoop. */
export interface OpenLoopOptions {
  /** Grid step (default OPEN_LOOP_TICK_MS; ignored for "one-per-write", whose step is one message). */
  tickMs?: number;
  /** "one-per-write": one message per tick, ticks 1/rate apart, each handed to its socket alone; default "pipelined". */
  shape?: LoadShape;
  /** Called for every tick sent: lateness = time the tick starts being sent − its intended time. */
  onLag?: (lagUs: number, tickNs: number) => void;
}

/** The ticker aims to wake the main thread this long before each tick's intended time (the main thread then waits out the rest). */
export const TICKER_EARLY_NS = 15_000;
/** Bound of the ticker's adaptive lead (how much earlier than a tick it posts, to cover the wake-up latency). */
export const TICKER_MAX_LEAD_NS = 300_000;
/**
 * Longest the main thread waits (spinning) for a tick's intended time when the ticker woke it early: more than the
 * largest lead, so an early wake-up is never dropped (a tick is never handed to the next one).
 */
export const TICKER_MAX_SPIN_NS = TICKER_MAX_LEAD_NS + 100_000;
/** Gain of the lead adaptation, and the largest error one arrival counts with (a stalled main thread is an outlier, not a trend). */
const TICKER_LEAD_GAIN = 0.1;
const TICKER_LEAD_STEP_NS = 50_000;

// Ticker thread: sleeps with Atomics.wait (a futex with a fractional-ms timeout, precise to ~0.1 ms, unlike setTimeout's
// whole ms) until `lead` before each tick's intended time, then wakes the main thread with postMessage (uv_async).
// ctl[0]: 0 = waiting for a schedule, 1 = running, 2 = stop. sched (f64): t0Ns, tickNs, endNs, leadNs (main thread
// adapts leadNs so that it is woken TICKER_EARLY_NS before the tick: thread wake-up + uv_async takes its own time).
const TICKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ctl = new Int32Array(workerData.ctl);
const sched = new Float64Array(workerData.sched);
const now = () => Number(process.hrtime.bigint());
while (Atomics.load(ctl, 0) === 0) Atomics.wait(ctl, 0, 0);
const t0 = sched[0], tick = sched[1], end = sched[2];
for (let k = 0; Atomics.load(ctl, 0) === 1; k++) {
  const target = t0 + k * tick;
  if (target >= end) break;
  let ms;
  while ((ms = (target - sched[3] - now()) / 1e6) > 0) if (Atomics.wait(ctl, 0, 1, ms) !== "timed-out") break;
  if (Atomics.load(ctl, 0) !== 1) break;
  parentPort.postMessage(k);
}
`;

/** A ticker thread, started idle so that spawning it (tens of ms) happens before the schedule matters. */
class TickerThread {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(4));
  private readonly sched = new Float64Array(new SharedArrayBuffer(32));
  private readonly worker: Worker;

  constructor(onTick: (k: number) => void) {
    this.worker = new Worker(TICKER_SOURCE, { eval: true, execArgv: [], workerData: { ctl: this.ctl.buffer, sched: this.sched.buffer } });
    this.worker.on("message", onTick);
    this.worker.on("error", (e) => {
      throw new Error(`open-loop ticker thread failed: ${e.message}`);
    });
    this.worker.unref();
    this.sched[3] = 100_000;
  }

  run(t0Ns: number, tickNs: number, endNs: number): void {
    this.sched[0] = t0Ns;
    this.sched[1] = tickNs;
    this.sched[2] = endNs;
    Atomics.store(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
  }

  /** Adapts the lead from one observed arrival (ns after the tick's intended time; negative = early). */
  observe(arrivalLateNs: number): void {
    const err = arrivalLateNs + TICKER_EARLY_NS;
    const lead = this.sched[3]! + TICKER_LEAD_GAIN * (err > TICKER_LEAD_STEP_NS ? TICKER_LEAD_STEP_NS : Math.max(err, -TICKER_LEAD_STEP_NS));
    this.sched[3] = lead < 0 ? 0 : Math.min(lead, TICKER_MAX_LEAD_NS);
  }

  stop(): void {
    Atomics.store(this.ctl, 0, 2);
    Atomics.notify(this.ctl, 0);
  }
}

/**
 * Offers `ratePerSec` messages/s over `targets`, round-robin. Tick k (at t0 + k·tick) sends the messages due by the end
 * of its step, stamped with the tick's scheduled time; late ticks are caught up with their own intended times.
 * Ticks are timed by a ticker thread (see TickerThread), not by setTimeout (whole ms, rounded up), so the main thread
 * sends each tick within tens of µs of its intended time, spinning only the last ~TICKER_EARLY_NS before it; `onLag` sees each tick's actual lateness (the measurement floor).
 * Construct it before the run (e.g. right after connecting): the constructor starts the ticker thread.
 */
export class OpenLoop {
  private ticker: TickerThread | null = null;
  private k = 0;
  private sent = 0;
  private rr = 0;
  private t0 = 0;
  private endNs = Infinity;
  private readonly tickNs: number;
  private readonly oneEach: boolean;
  private readonly counts: number[];
  private readonly onLag: ((lagUs: number, tickNs: number) => void) | undefined;

  constructor(
    private readonly targets: OpenLoopTarget[],
    private readonly ratePerSec: number,
    options: OpenLoopOptions = {},
  ) {
    this.oneEach = options.shape === "one-per-write";
    this.tickNs = this.oneEach ? 1e9 / ratePerSec : (options.tickMs ?? OPEN_LOOP_TICK_MS) * 1e6;
    this.counts = new Array<number>(targets.length).fill(0);
    this.onLag = options.onLag;
    if (targets.length > 0 && ratePerSec > 0) this.ticker = new TickerThread(this.onTick);
  }

  /** Ticks from t0Ns on; no tick at or after endNs (the measured window is bounded). */
  start(t0Ns: number, endNs = Infinity): void {
    if (!this.ticker) return;
    this.t0 = t0Ns;
    this.endNs = endNs;
    this.ticker.run(t0Ns, this.tickNs, endNs);
  }

  stop(): void {
    this.ticker?.stop();
    this.k = -1;
  }

  private onTick = (k: number): void => {
    if (this.k < 0 || this.t0 === 0) return;
    // Woken early (by design, see TickerThread): wait out the rest of the way to the tick's intended time.
    const target = this.t0 + k * this.tickNs;
    let now = nowNs();
    this.ticker!.observe(now - target);
    if (now < target && target - now <= TICKER_MAX_SPIN_NS) while ((now = nowNs()) < target);
    this.run(now);
  };

  private run(now: number): void {
    const n = this.targets.length;
    while (this.t0 + this.k * this.tickNs <= now) {
      const tick = this.t0 + this.k * this.tickNs;
      if (tick >= this.endNs) return this.stop();
      // One message per tick: its count is its index, not a product of floats that may round below it.
      const due = (this.oneEach ? this.k + 1 : Math.floor(((this.k + 1) * this.tickNs * this.ratePerSec) / 1e9)) - this.sent;
      this.k++;
      if (due <= 0) continue;
      this.sent += due;
      const base = Math.floor(due / n);
      let extra = due - base * n;
      for (let j = 0; j < n; j++) this.counts[j] = base;
      while (extra-- > 0) {
        this.counts[this.rr]!++;
        this.rr = (this.rr + 1) % n;
      }
      this.onLag?.((now - tick) / 1000, tick);
      for (let j = 0; j < n; j++) if (this.counts[j]! > 0) this.targets[j]!.send(this.counts[j]!, tick);
    }
  }
}
