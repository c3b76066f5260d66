// Tasks and results of the fault client (fault/client.ts), the pinned process that drives the burst and reconnect
// scenarios; shared by the runner side (fault/spawn.ts) and the client. Instants are epoch ms, durations carry units.
import type { BackoffOptions } from "./backoff.ts";

/** How the server answered a connection attempt that did not open. */
export type ConnectOutcome =
  /** TCP connect refused (nothing listening, or the accept queue full). */
  | "refused"
  /** TCP reset or closed before the upgrade completed. */
  | "reset"
  /** No upgrade (or no socket.io connect) within the connect timeout. */
  | "timeout"
  /** Another error; the detail names it. */
  | "other"
  /** `http-<status>`: the upgrade was answered with that status (503 over WSARENA_MAX_CONNECTIONS, 429 …). */
  | `http-${number}`
  /** `close-<code>`: a close frame before the connection was usable (socket.io connect). */
  | `close-${number}`;

/** Where the fault client connects. */
export interface Target {
  /** ws://host:port */
  wsUrl: string;
  protocol: "ws" | "socket.io";
}

/** Connection storm: `connections` attempts spread evenly over `spreadMs`, held `holdMs` once all settled, then closed. */
export interface StormTask extends Target {
  kind: "storm";
  connections: number;
  spreadMs: number;
  holdMs: number;
  connectTimeoutMs: number;
}

/**
 * Message burst on pub/sub: one publisher at `baseRate` msgs/s, `factor`× that for `burstMs` after `quietMs`, then
 * `baseRate` again for `afterMs`; `subscribers` receivers time every delivery from its intended send time.
 */
export interface BurstTask extends Target {
  kind: "burst";
  subscribers: number;
  baseRate: number;
  factor: number;
  quietMs: number;
  burstMs: number;
  afterMs: number;
  /** Time allowed after the schedule for late deliveries (a backlog still draining). */
  drainLimitMs: number;
  topic: string;
  connectTimeoutMs: number;
}

/**
 * Reconnect: `subscribers` receivers and one publisher at `rate` msgs/s on `topic`; when the connection drops, each
 * subscriber reconnects after the backoff schedule and subscribes again. The runner restarts the server (it sends
 * "restarted"); the client ends once every subscriber got a message again or `recoverLimitMs` after the kill.
 */
export interface ReconnectTask extends Target {
  kind: "reconnect";
  subscribers: number;
  rate: number;
  topic: string;
  backoff: BackoffOptions;
  /** Seed of the jitter source. */
  seed: number;
  /** Retry interval of the publisher (the feed reconnects at once, so recovery measures the subscribers' policy). */
  publisherRetryMs: number;
  recoverLimitMs: number;
  /** Steady streaming after the recovery, kept in the window. */
  tailMs: number;
  connectTimeoutMs: number;
}

export type FaultTask = StormTask | BurstTask | ReconnectTask;

/** Connect-time and outcome counts of one time bucket. */
export interface ConnectBucket {
  /** Bucket start, ms from the reference instant (storm: first attempt; reconnect: the kill). */
  tMs: number;
  attempts: number;
  succeeded: number;
  failed: number;
  /** Connect time of the successful attempts started in the bucket, µs (null when none). */
  p50Us: number | null;
  p99Us: number | null;
  maxUs: number | null;
}

/** Delivery latency of the messages sent in one time bucket. */
export interface LatencyBucket {
  /** Bucket start, ms from the first publish. */
  tMs: number;
  /** Messages published in the bucket. */
  sent: number;
  /** Deliveries of those messages (all subscribers). */
  delivered: number;
  p50Us: number | null;
  p99Us: number | null;
  maxUs: number | null;
}

/** What every fault task returns besides its own figures. */
export interface FaultCommon {
  windowStartMs: number;
  windowEndMs: number;
  /** user+system CPU seconds of the client process over the window. */
  cpuSeconds: number;
  /** Successful connect times (µs) of the whole task, HDR compressed base64, or null. */
  connectHistogram: string | null;
  /** Every connection attempt, by outcome ("ok" or a ConnectOutcome). */
  outcomes: Record<string, number>;
  /** Close codes received on open connections (1006 = TCP closed without a close frame). */
  closeCodes: Record<string, number>;
  /** First few distinct error details. */
  errorSamples: string[];
  /** Delivery latency histogram (µs, HDR base64) of every message received, or null. */
  latencyHistogram: string | null;
  sent: number;
  received: number;
  /** Deliveries expected (sent × subscribers, counting only what subscribers could receive) but never received. */
  lost: number;
  duplicated: number;
  reordered: number;
}

export interface StormResult extends FaultCommon {
  kind: "storm";
  /** Connection attempts per 100 ms bucket from the first attempt. */
  buckets: ConnectBucket[];
  /** Wall time from the first attempt to the last attempt settled, ms. */
  settledMs: number;
  /** Open connections at the end of the hold. */
  openAtEnd: number;
}

export interface BurstResult extends FaultCommon {
  kind: "burst";
  /** Per 100 ms of send time. */
  buckets: LatencyBucket[];
  /** p99 delivery latency of the quiet phase before the burst, µs. */
  baselineP99Us: number | null;
  /** Instant the burst ended, ms from the first publish. */
  burstEndMs: number;
  /** From the burst's end until the last delivery of a message sent up to it (the backlog is empty), ms. */
  backlogDrainMs: number | null;
  /** From the burst's end until the first of DRAIN_STABLE_BUCKETS (client.ts) send buckets in a row whose p99 is back within the baseline threshold, ms. */
  latencyRecoverMs: number | null;
  /** max(backlogDrainMs, latencyRecoverMs): time to drain the burst, ms; null when it did not drain in the window. */
  drainMs: number | null;
}

/** One subscriber's outage, epoch ms (null = did not happen in the window). */
export interface ClientRecovery {
  disconnectedAtMs: number | null;
  attempts: number;
  reconnectedAtMs: number | null;
  resubscribedAtMs: number | null;
  firstMessageAtMs: number | null;
  /** Messages of the topic the subscriber never received between its first and last received seq. */
  missed: number;
}

export interface ReconnectResult extends FaultCommon {
  kind: "reconnect";
  clients: ClientRecovery[];
  /** Reconnect attempts per 100 ms from the kill. */
  buckets: ConnectBucket[];
  /** Messages the publisher could not send (its own connection down), by seq. */
  unpublished: number;
  killedAtMs: number | null;
  restartedAtMs: number | null;
}

export type FaultResult = StormResult | BurstResult | ReconnectResult;

/** Runner → client. */
export type ToFaultClient =
  | { type: "task"; task: FaultTask; timeoutMs: number }
  | { type: "restarted"; killedAtMs: number; readyAtMs: number }
  | { type: "abort" };
/** Client → runner. */
export type FromFaultClient = { type: "ready" } | { type: "result"; result: FaultResult } | { type: "fatal"; message: string };
