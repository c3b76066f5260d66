// What a driver does inside one worker process, shared by the frame, ws and socket.io drivers; and the integrity tracker.
// Lives here (not in @wsarena/loadgen) so drivers do not depend on the package that orchestrates them.

/** Load mode of a worker task (same ids as LoadMode in @wsarena/loadgen). */
export type TaskMode = "echo" | "echo-open" | "stream" | "pubsub" | "connections";

/**
 * How an open-loop echo hands its schedule to the sockets: "one-per-write" writes each message alone at its own due
 * time (evenly spaced arrivals); "pipelined" sends every OPEN_LOOP_TICK_MS tick what is due by its end, several frames
 * per write (bursts of rate × tick messages).
 */
export type LoadShape = "one-per-write" | "pipelined";
export const LOAD_SHAPES: readonly LoadShape[] = ["one-per-write", "pipelined"];

/** The share of a run one worker drives. */
export interface DriverTask {
  mode: TaskMode;
  /** Server base URL ws://host:port. */
  url: string;
  protocol: "ws" | "socket.io";
  /** Connections this worker opens (pubsub: subscribers + publishers of this worker). */
  connections: number;
  /** Echo: messages in flight per connection. */
  window: number;
  /** Closed-loop echo: refill after this fraction of the window came back (frame driver; library drivers refill per message). */
  refillFraction: number;
  /** echo-open: messages/s offered by this worker; pubsub: publishes/s of this worker. */
  ratePerSec: number;
  /** Payload bytes (echo, pubsub), tick padding (stream). */
  size: number;
  binary: boolean;
  stream: { format: "json" | "binary"; rate: number };
  /** Pub/sub: this worker's subscribers and publishers, the topic, the global id of its first publisher, all publishers of the run. */
  pubsub: {
    subscribers: number;
    publishers: number;
    topic: string;
    publisherOffset: number;
    totalPublishers: number;
    /** Rooms: publisher g joins topic roomTopic(topic, ⌊g / roomSize⌋) instead of `topic` (frame driver; absent = one topic). */
    roomSize?: number;
  };
  /** Source addresses to spread connections over ([] = let the OS choose). */
  sourceAddresses: string[];
  /** Global index of this worker's first connection (for source address spreading). */
  connectionOffset: number;
  /** Connections opened concurrently while ramping. */
  connectConcurrency: number;
  /** Offer permessage-deflate in the upgrade (frame driver); absent = not offered. */
  deflate?: boolean;
  /** echo-open: how the schedule is written (LoadShape); absent = "pipelined". */
  shape?: LoadShape;
}

/** Callbacks from a driver into the worker (histograms, error log). */
export interface DriverSink {
  /** `count` messages with latency `us` microseconds (only messages sent inside the measured window). */
  latency(us: number, count: number): void;
  /** Open-loop modes: one scheduler tick inside the window was sent `us` microseconds after its intended time. */
  schedulerLag?(us: number): void;
  /** One successful connection took `us` microseconds (TCP connect + upgrade or handshake). */
  connected(us: number): void;
  /** One connection attempt failed. */
  connectFailed(reason: string): void;
  /** A runtime error (unexpected close, parse failure). */
  error(reason: string): void;
  /** A close frame / disconnect reason code from the server. */
  closeCode(code: number): void;
}

/** Measured window in ns on CLOCK_MONOTONIC (process.hrtime.bigint()); messages sent in [startNs, endNs) count. */
export interface WindowNs {
  startNs: number;
  endNs: number;
}

/** Counters of one driver instance. */
export interface DriverCounters {
  /** Data messages sent since start (all phases). */
  sentTotal: number;
  /** Data messages received since start (all phases). */
  receivedTotal: number;
  /** Payload bytes received since start. */
  bytesReceivedTotal: number;
  /** Bytes read from the sockets since the upgrade (frames with headers, compressed size); absent when the driver does not count. */
  wireBytesReceivedTotal?: number;
  /** Bytes written to the sockets since the upgrade (frames with headers, compressed size); absent when the driver does not count. */
  wireBytesSentTotal?: number;
  /** Socket reads (read callbacks that delivered bytes) since the upgrade; absent when the driver does not count them. */
  readsTotal?: number;
  /** Messages sent inside the window (stream: ticks the server announced by seq inside the window). */
  windowSent: number;
  /** Deliveries of window messages received (including duplicates). */
  windowReceived: number;
  /** Distinct window messages received (per receiver). */
  windowDistinct: number;
  windowDuplicated: number;
  windowReordered: number;
  windowCorrupted: number;
  /** Messages still expected (echo: in flight); the worker drains until 0 or the drain deadline. */
  inFlight: number;
}

/** A driver instance inside a worker. */
export interface Driver {
  /** Opens every connection of the task; resolves when all attempts settled. */
  connect(): Promise<void>;
  /** Starts traffic; messages sent (or ticks stamped) inside `window` are the measured ones. */
  start(window: WindowNs): void;
  /** Stops sending new messages (the drain follows). */
  stopSending(): void;
  counters(): DriverCounters;
  /**
   * Closes every connection (close frame). Stream mode does not wait for the server's reply: the server keeps pushing
   * until it reads the close frame, so the sockets are destroyed right after it.
   */
  close(): Promise<void>;
}

/** Creates a driver for a task. */
export type DriverFactory = (task: DriverTask, sink: DriverSink) => Driver;

/** A fresh zeroed counters object. */
export function zeroCounters(): DriverCounters {
  return {
    sentTotal: 0,
    receivedTotal: 0,
    bytesReceivedTotal: 0,
    windowSent: 0,
    windowReceived: 0,
    windowDistinct: 0,
    windowDuplicated: 0,
    windowReordered: 0,
    windowCorrupted: 0,
    inFlight: 0,
  };
}

/**
 * Integrity of one path (sender → receiver): a growable bitset of seen sequence numbers.
 * A seq seen twice is a duplicate; a first-seen seq lower than the highest seen so far is reordered.
 */
export class SeqTracker {
  private bits = new Uint32Array(32);
  /** Highest seq seen, -1 before the first. */
  maxSeq = -1;
  /** Lowest seq seen. */
  minSeq = Number.MAX_SAFE_INTEGER;
  received = 0;
  distinct = 0;
  duplicated = 0;
  reordered = 0;

  /** Records one delivery of `seq`. */
  see(seq: number): void {
    this.received++;
    const w = seq >>> 5;
    if (w >= this.bits.length) {
      let n = this.bits.length * 2;
      while (n <= w) n *= 2;
      const next = new Uint32Array(n);
      next.set(this.bits);
      this.bits = next;
    }
    const m = 1 << (seq & 31);
    if ((this.bits[w]! & m) !== 0) {
      this.duplicated++;
      return;
    }
    this.bits[w]! |= m;
    this.distinct++;
    if (seq < this.maxSeq) this.reordered++;
    else this.maxSeq = seq;
    if (seq < this.minSeq) this.minSeq = seq;
  }
}

/** Sums trackers into the window fields of `c`. */
export function addTrackers(c: DriverCounters, trackers: Iterable<SeqTracker | undefined>): void {
  for (const t of trackers) {
    if (!t) continue;
    c.windowReceived += t.received;
    c.windowDistinct += t.distinct;
    c.windowDuplicated += t.duplicated;
    c.windowReordered += t.reordered;
  }
}

/** Monotonic now in ns as a number (exact to the ns for 104 days of uptime). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Resolves at `ns` on the monotonic clock: a timer to within 2 ms, then a short spin (timers may fire early or late). */
export async function untilNs(ns: number): Promise<void> {
  const ms = (ns - nowNs()) / 1e6 - 2;
  if (ms > 0) await new Promise<void>((r) => setTimeout(r, ms));
  while (nowNs() < ns) {
    /* spin at most ~2 ms */
  }
}

/** A driver's counters and this process's CPU at the actual edges of a measured window. */
export interface WindowEdges {
  c0: DriverCounters;
  c1: DriverCounters;
  /** CPU used between the edges. */
  cpu: NodeJS.CpuUsage;
  /** Actual edges, ns on the monotonic clock (timer-driven: a saturated event loop fires them late). */
  w0: number;
  w1: number;
}

/** Waits for the window [startNs, endNs) and snapshots `driver`'s counters and the process CPU at its edges. */
export async function measureWindow(driver: Pick<Driver, "counters">, startNs: number, endNs: number): Promise<WindowEdges> {
  await untilNs(startNs);
  const c0 = driver.counters();
  const cpu0 = process.cpuUsage();
  const w0 = nowNs();
  await untilNs(endNs);
  const c1 = driver.counters();
  const cpu = process.cpuUsage(cpu0);
  const w1 = nowNs();
  return { c0, c1, cpu, w0, w1 };
}
