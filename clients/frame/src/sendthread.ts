// Off-thread open loop of the frame driver: a sender thread owns the schedule and writes pre-built frames straight to
// the sockets (fs.writeSync on their fds), so each tick costs one thread wake-up and the main thread only receives.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { OPEN_LOOP_TICK_MS, type LoadShape } from "@wsarena/driver-kit";
import { CTL, SCHED, SCHED_SLOTS, STATE, type SendThreadData } from "./sendthread-layout.ts";

/**
 * The sender thread sleeps until this long before each tick, then spins to the tick's intended time: the kernel wakes a
 * futex sleeper up to its timer slack (50 µs) late, so ticks leave on time at the cost of ≤ 50 µs of spin per tick.
 * One-per-write does not spin where it may lower its thread's timer slack to 1 ns: it sleeps up to each due time.
 */
export const SEND_THREAD_SPIN_NS = 50_000;
/** Nice value of the sender thread: above other processes on the client core (a tick waiting for a compiler's time slice is client lag, not server latency). */
export const SEND_THREAD_NICE = -10;
/** At stop, longest time the sender thread keeps writing bytes the kernel had not taken yet. */
export const SEND_THREAD_FLUSH_MS = 200;
/** Ticks of scheduler lag buffered between the sender thread and the main thread (drained every LAG_DRAIN_MS). */
export const LAG_RING_TICKS = 1 << 16;
export const LAG_DRAIN_MS = 100;

const TSX_CJS_API = createRequire(import.meta.url).resolve("tsx/cjs/api");
const WORKER_FILE = fileURLToPath(new URL("./sendthread-worker.ts", import.meta.url));

/** One connection the sender thread writes to. */
export interface SendThreadConn {
  /** The socket's file descriptor. */
  fd: number;
  /** Sender id carried in every payload. */
  id: number;
}

/**
 * Offers `ratePerSec` messages/s over the connections from a sender thread. Pipelined: tick k (at t0 + k·tick) sends
 * what is due by its end, stamped with its intended time, one write per connection per tick. One-per-write: message k
 * is due at t0 + k/rate and written alone then, round-robin over the connections. Same schedule as OpenLoop (common.ts).
 * The main thread must not write data frames to these sockets while the thread runs (control replies are whole
 * frames, written between the thread's writes unless the kernel buffer is full).
 */
export class SendThread {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(4));
  private readonly sched = new Float64Array(new SharedArrayBuffer(8 * SCHED_SLOTS));
  /** Messages sent so far per connection (= next seq): an echo with a seq at or above it is corrupted. */
  readonly seqs: Int32Array;
  private readonly totals = new Int32Array(new SharedArrayBuffer(12));
  private readonly lagRing = new Float64Array(new SharedArrayBuffer(16 * LAG_RING_TICKS));
  private lagTail = 0;
  private drainTimer: NodeJS.Timeout | null = null;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private started = false;
  private readonly tickNs: number;

  constructor(
    conns: readonly SendThreadConn[],
    frame: Buffer,
    payloadOffset: number,
    binary: boolean,
    private readonly ratePerSec: number,
    private readonly onLag: (lagUs: number, tickNs: number) => void,
    shape: LoadShape = "pipelined",
  ) {
    this.tickNs = shape === "one-per-write" ? 1e9 / ratePerSec : OPEN_LOOP_TICK_MS * 1e6;
    this.seqs = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, conns.length)));
    const data: SendThreadData = {
      ctl: this.ctl.buffer as SharedArrayBuffer,
      sched: this.sched.buffer as SharedArrayBuffer,
      seqs: this.seqs.buffer as SharedArrayBuffer,
      totals: this.totals.buffer as SharedArrayBuffer,
      lagRing: this.lagRing.buffer as SharedArrayBuffer,
      fds: conns.map((c) => c.fd),
      ids: conns.map((c) => c.id),
      frame: new Uint8Array(frame),
      payloadOffset,
      binary,
      oneEach: shape === "one-per-write",
      spinNs: SEND_THREAD_SPIN_NS,
      flushMs: SEND_THREAD_FLUSH_MS,
      nice: SEND_THREAD_NICE,
    };
    // The thread runs TypeScript (it shares the payload codec): tsx's require hook is registered in it first.
    this.worker = new Worker(`require(${JSON.stringify(TSX_CJS_API)}).register(); require(${JSON.stringify(WORKER_FILE)});`, {
      eval: true,
      execArgv: [],
      workerData: data,
    });
    this.worker.on("error", (e) => {
      throw new Error(`open-loop sender thread failed: ${e.message}`);
    });
    this.exited = new Promise((res) => this.worker.once("exit", () => res()));
    this.worker.unref();
  }

  /** Messages sent so far (all phases) and those stamped inside the window. */
  get sentTotal(): number {
    return Atomics.load(this.totals, 0);
  }
  get windowSent(): number {
    return Atomics.load(this.totals, 1);
  }

  /** Ticks from t0Ns on, none at or after endNs; messages stamped in [winStartNs, winEndNs) count as window messages. */
  start(t0Ns: number, endNs: number, winStartNs: number, winEndNs: number): void {
    const s = this.sched;
    s[SCHED.t0] = t0Ns;
    s[SCHED.tickNs] = this.tickNs;
    s[SCHED.endNs] = endNs;
    s[SCHED.rate] = this.ratePerSec;
    s[SCHED.winStartNs] = winStartNs;
    s[SCHED.winEndNs] = winEndNs;
    this.started = true;
    Atomics.store(this.ctl, CTL.state, STATE.running);
    Atomics.notify(this.ctl, CTL.state);
    this.drainTimer = setInterval(() => this.drainLag(), LAG_DRAIN_MS);
    this.drainTimer.unref();
  }

  /** Hands the lateness of every tick the thread sent since the last call to onLag. */
  drainLag(): void {
    const head = Atomics.load(this.totals, 2);
    if (head - this.lagTail > LAG_RING_TICKS) this.lagTail = head - LAG_RING_TICKS;
    for (; this.lagTail < head; this.lagTail++) {
      const slot = this.lagTail % LAG_RING_TICKS;
      this.onLag(this.lagRing[2 * slot + 1]!, this.lagRing[2 * slot]!);
    }
  }

  /** Stops the schedule; resolves once the thread wrote its last bytes and ended (no write to a socket after that). */
  async stop(): Promise<void> {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = null;
    if (Atomics.load(this.ctl, CTL.state) !== STATE.stopped) {
      Atomics.store(this.ctl, CTL.state, STATE.stop);
      Atomics.notify(this.ctl, CTL.state);
    }
    await this.exited;
    if (this.started) this.drainLag();
  }
}
