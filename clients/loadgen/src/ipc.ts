// Messages between runLoad (parent) and its worker processes over the IPC channel.
import type { DriverCounters, DriverTask } from "@wsarena/driver-kit";
import type { DriverId, ReceiveCounts } from "./types.ts";

/** Parent → worker: what to drive. */
export interface TaskMessage {
  type: "task";
  driver: DriverId;
  task: DriverTask;
  /** The worker exits by itself after this long, whatever happens. */
  timeoutMs: number;
}

/** Parent → worker: the schedule, in ns on CLOCK_MONOTONIC (all processes share the clock). */
export interface StartMessage {
  type: "start";
  /** Traffic starts (warm-up begins). */
  startNs: number;
  /** Measured window (connections mode: the hold). */
  windowStartNs: number;
  windowEndNs: number;
  /** Longest wait for in-flight messages after the window. */
  drainMs: number;
}

/** Parent → worker: stop now and exit. */
export interface AbortMessage {
  type: "abort";
}

export type ToWorker = TaskMessage | StartMessage | AbortMessage;

/** Worker → parent: every connection attempt settled. */
export interface ConnectedMessage {
  type: "connected";
  attempted: number;
  succeeded: number;
  failed: number;
  /** Ramp duration of this worker in ms. */
  rampMs: number;
  /** Encoded HDR histogram of connect times (µs). */
  connectHistogram: string;
  errors: string[];
}

/** Integrity counts of the driver's window (DriverCounters), taken after the drain. */
type WindowCounts = Pick<DriverCounters, "windowSent" | "windowReceived" | "windowDistinct" | "windowDuplicated" | "windowReordered" | "windowCorrupted">;

/** Worker → parent: the measurement of this worker. */
export interface ResultMessage extends WindowCounts {
  type: "result";
  /** Actual window of this worker (timer-driven snapshots), ns. */
  windowStartNs: number;
  windowEndNs: number;
  /** Counted inside the actual window. */
  receivedInWindow: number;
  bytesInWindow: number;
  /** Wire bytes (frames with headers) received and sent inside the window, when the driver counts them. */
  wireInWindow?: { received: number; sent: number };
  sentInWindow: number;
  /** Socket reads, data messages and bytes read (frames with headers) inside the window, when the driver counts reads. */
  receiveInWindow?: ReceiveCounts;
  /** user + system CPU µs over the window. */
  cpuUs: number;
  /** In-flight messages left when the drain ended. */
  inFlightAtEnd: number;
  /** Encoded latency histogram (µs) or null when nothing was recorded. */
  histogram: string | null;
  /** Encoded histogram (µs) of the open-loop scheduler's lateness per tick inside the window, or null (closed loop, stream). */
  schedulerLagHistogram: string | null;
  errors: string[];
  closeCodes: Record<string, number>;
}

/** Worker → parent: the worker cannot go on. */
export interface FatalMessage {
  type: "fatal";
  message: string;
}

export type FromWorker = ConnectedMessage | ResultMessage | FatalMessage;
