// Shared-memory layout between the off-thread open loop (sendthread.ts) and its sender thread (sendthread-worker.ts).

/** Int32 slots of the control array. */
export const CTL = { state: 0 } as const;
/** Values of ctl[state]: waiting for a schedule, running, asked to stop, stopped (no write in progress any more). */
export const STATE = { idle: 0, running: 1, stop: 2, stopped: 3 } as const;
/** Float64 slots of the schedule array. */
export const SCHED = { t0: 0, tickNs: 1, endNs: 2, rate: 3, winStartNs: 4, winEndNs: 5 } as const;
export const SCHED_SLOTS = 6;

/** workerData of the sender thread. */
export interface SendThreadData {
  ctl: SharedArrayBuffer;
  sched: SharedArrayBuffer;
  /** Int32 per connection: messages sent so far (= next seq); written before each write. */
  seqs: SharedArrayBuffer;
  /** Int32: sentTotal, windowSent, ticks recorded in lagRing. */
  totals: SharedArrayBuffer;
  /** Float64 pairs (tick intended time ns, lateness µs), a ring. */
  lagRing: SharedArrayBuffer;
  /** Socket file descriptors, one per connection. */
  fds: number[];
  /** Sender ids carried in the payloads, one per connection. */
  ids: number[];
  /** One complete masked frame (payload filler in place); payloadOffset is where its payload starts. */
  frame: Uint8Array;
  payloadOffset: number;
  binary: boolean;
  /** One message per tick (ticks 1/rate apart), written alone: the one-per-write load shape. */
  oneEach: boolean;
  /** Spin this long before each tick instead of sleeping (covers the kernel's timer slack). */
  spinNs: number;
  /** Nice value of the sender thread (0 = unchanged; negative needs CAP_SYS_NICE, silently skipped without it). */
  nice: number;
  /** At stop, longest time spent writing bytes the kernel had not taken yet. */
  flushMs: number;
}
