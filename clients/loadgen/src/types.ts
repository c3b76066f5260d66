// The load generator's typed API: options in, one result out. Shared by every driver, the CLI and the harness.
import type { LoadShape } from "@wsarena/driver-kit";
export type { LoadShape } from "@wsarena/driver-kit";

/** Which client implementation drives the load. */
export type DriverId = "frame" | "ws" | "socket.io";

/** What the load does. */
export type LoadMode =
  /** Closed-loop pipelined echo: each connection keeps `window` messages in flight. */
  | "echo"
  /** Open-loop echo at `rate` msgs/s offered in total; latency from each message's intended send time. */
  | "echo-open"
  /** Receive server-pushed ticks from /stream; one-way latency = receive time − tick ts. */
  | "stream"
  /** `subscribers` receivers and `publishers` senders on one topic; per-receiver latency of every delivery. */
  | "pubsub"
  /** Ramp to `connections` idle connections, hold them `holdMs`, close: connect-time percentiles and connections/s. */
  | "connections";

/** Options of runLoad; never mutated. Defaults are the DEFAULT_* constants in options.ts. */
export interface LoadOptions {
  driver: DriverId;
  mode: LoadMode;
  /** Server base URL, e.g. ws://127.0.0.1:PORT (the path is chosen from mode: /echo, /stream, /pubsub; socket.io uses /socket.io/). */
  url: string;
  /** Server wire protocol; "socket.io" needs driver frame (Engine.IO v4 framing) or socket.io. */
  protocol: "ws" | "socket.io";
  /** Connections in total (echo, echo-open, stream receivers, connections mode). */
  connections: number;
  /** Messages in flight per connection (echo). */
  window: number;
  /**
   * Closed-loop echo: a connection refills its window once this fraction of it has come back, in one write (default
   * DEFAULT_REFILL_FRACTION). Smaller = lower latency, more writes; larger = fewer syscalls per message.
   */
  refillFraction?: number;
  /** Offered messages per second in total (echo-open; pubsub publish rate in total). */
  rate: number;
  /** Payload bytes per message (echo, pubsub); tick padding for stream. */
  size: number;
  /** Binary frames (true) or text frames (false). */
  binary: boolean;
  /** Measured window length. */
  durationMs: number;
  /** Warm-up before the measured window with the same parameters, discarded. */
  warmupMs: number;
  /** Stream mode: tick format and per-connection tick rate (0 = as fast as backpressure allows). */
  stream: { format: "json" | "binary"; rate: number };
  /**
   * Pub/sub mode: receivers and senders; topic name. With `roomSize` (frame driver, subscribers 0) every publisher joins
   * the room ⌊publisher / roomSize⌋ (topic `<topic>-<room>`) and each publish reaches its room only; publishers must fill
   * whole rooms (≤ roomSize, or a multiple of it) so that every publish has the same fan-out.
   */
  pubsub: { subscribers: number; publishers: number; topic: string; roomSize?: number };
  /** Connections mode: how long to hold the connections open after the ramp. */
  holdMs: number;
  /** taskset cpu list for the worker processes (e.g. "1"); undefined = not pinned. */
  clientCpus?: string;
  /** Worker processes; default one per client cpu. */
  workers?: number;
  /**
   * Server URL of each worker, overriding `url` (one worker per entry, `workers` ignored): spreads the connections of
   * one load over several server processes (a cluster). Pub/sub puts the publishers in the first workers, so on the
   * first URLs.
   */
  workerUrls?: string[];
  /** Spread connections over 127.0.0.1 … 127.0.0.N as source addresses (ephemeral ports run out near 28k per address). */
  sourceAddresses: number;
  /**
   * Offer permessage-deflate in the upgrade (RFC 7692); when the server accepts, received messages are inflated and
   * sent ones deflated (frame driver only). Default false.
   */
  deflate?: boolean;
  /**
   * echo-open: how the schedule reaches the sockets: "one-per-write" (each message written alone at its own due time,
   * evenly spaced; default) or "pipelined" (every 1 ms tick sends what is due by its end, several frames per write).
   * Absent for the other modes.
   */
  shape?: LoadShape;
  /** Hard bound on the whole run (connect + warm-up + window + drain); the run stops itself after it. */
  timeoutMs: number;
  /** Allow a target other than loopback (127.0.0.0/8, localhost, ::1); default false, so a load never hits a host by accident. */
  allowRemote?: boolean;
}

/** Latency summary in microseconds. */
export type { LatencySummary } from "@wsarena/stats";
import type { LatencySummary } from "@wsarena/stats";

/** Message integrity over the measured window (every message carries a sequence number). */
export interface IntegrityCounts {
  /** Messages sent by the client (echo, pubsub) or announced by the server (stream: highest seq + 1). */
  sent: number;
  /** Messages received (each delivery counts once per receiver). */
  received: number;
  /** Expected but never received by the end of the drain. */
  lost: number;
  /** Received more than once. */
  duplicated: number;
  /** Received with a sequence number lower than one already received on the same path. */
  reordered: number;
  /** Received with content that does not match what was sent (payload, tick fields). */
  corrupted: number;
}

/** Connect times (TCP connect + WebSocket upgrade, or socket.io handshake) per connection. */
export interface ConnectSummary {
  attempted: number;
  succeeded: number;
  failed: number;
  /** Successful connections per second during the ramp. */
  perSec: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  /** First few distinct failure reasons. */
  errors: string[];
}

/** Client CPU used by the workers over the measured window. */
export interface ClientCpu {
  /** cpu list the workers were pinned to, or null. */
  cpus: string | null;
  workers: number;
  /** user + system CPU seconds of all workers during the window. */
  cpuSeconds: number;
  /**
   * cpuSeconds / (window seconds × cores the workers may run on: the pinned cpu list, or every core when unpinned);
   * 1.0 = every client core fully busy. CPU time and window are read together at each worker's window edges. Unpinned,
   * a worker with a saturated main thread shows below 1.0 on a multi-core machine: pin (clientCpus) for verdicts.
   */
  utilisation: number;
  /** Per worker: user+system seconds over the window. */
  perWorkerCpuSeconds: number[];
  /**
   * Client CPU per data message received, µs: cpuSeconds × 10⁶ ÷ messages received in the window (the workers' own
   * user + system time; kernel receive work charged to no process is not in it). Null without messages. Optional:
   * absent in older results.
   */
  usPerMsg?: number | null;
}

/** What the client's sockets delivered over the window, summed over workers (drivers that count their reads: frame). */
export interface ReceiveCounts {
  /** Socket reads that delivered bytes (one read callback each). */
  reads: number;
  /** Data messages parsed out of those reads. */
  messages: number;
  /** Bytes read: WebSocket frames with their headers (compressed size under permessage-deflate), TCP/IP excluded. */
  bytes: number;
}

/** What one worker measured, when the load ran with workerUrls. */
export interface WorkerLatency {
  /** Server URL the worker's connections went to. */
  url: string;
  /** Publishers among the worker's connections (pub/sub). */
  publishers: number;
  /** Deliveries received in the window. */
  received: number;
  /** Latency of the worker's receivers, or null when it recorded none. */
  latency: LatencySummary | null;
  /** Encoded HDR histogram of that latency (µs), or null. */
  histogram: string | null;
}

/** One load run's result; numbers are numbers, units are in the names. */
export interface LoadResult {
  driver: DriverId;
  mode: LoadMode;
  /** The options the run used (defaults applied). */
  options: LoadOptions;
  /**
   * Wall-clock start and end of the actual measured window (epoch ms; earliest worker start, latest worker end), to
   * align with server-side samples. Workers snapshot at timers, which fire late when the client is saturated, so
   * this can differ from the planned window.
   */
  windowStartMs: number;
  windowEndMs: number;
  /** Actual measured window length (mean over workers; rates and utilisation use each worker's own window). */
  durationMs: number;
  /** Data messages received per second over the window (echo: echoes; stream/pubsub: deliveries). */
  msgsPerSec: number;
  /** Payload bytes received per second over the window. */
  bytesPerSec: number;
  /** Messages sent per second over the window (echo-open: achieved offered rate). */
  sentPerSec: number;
  /** Latency summary (µs) or null where the mode has none. */
  latency: LatencySummary | null;
  /** Merged HDR histogram of latencies in µs, base64 (hdr-histogram-js encodeIntoCompressedBase64), or null. */
  histogram: string | null;
  /**
   * Open-loop modes (echo-open, pubsub): lateness of the client's own scheduler, per tick inside the window = time the
   * tick's messages were handed to the sockets − their intended send time, in µs. Every latency includes this, so it
   * is the measurement floor of the run. Null for closed-loop and stream modes. Optional: absent in older results.
   */
  schedulerLagUs?: LatencySummary | null;
  /** HDR histogram of the same scheduler lateness (µs, compressed base64 like `histogram`), or null when nothing was recorded. Optional: absent in older results. */
  schedulerLagHistogram?: string | null;
  /**
   * Bytes on the wire per second over the window (WebSocket frames with their headers, as compressed when
   * permessage-deflate is on; TCP/IP excluded), received and sent; absent when the driver does not count them (only
   * the frame driver does).
   */
  wire?: { receivedBytesPerSec: number; sentBytesPerSec: number };
  /** Socket reads, messages and bytes received over the window; absent when the driver does not count its reads. */
  receive?: ReceiveCounts;
  integrity: IntegrityCounts;
  connect: ConnectSummary;
  clientCpu: ClientCpu;
  /** Messages received per client CPU-second (efficiency of the client itself). */
  msgsPerClientCpuSec: number;
  /** Errors seen (connection drops, unexpected closes, parse failures), deduplicated, at most 20. */
  errors: string[];
  /** Close codes received from the server, with counts. */
  closeCodes: Record<string, number>;
  /** Per worker, in workerUrls order; only when the load ran with workerUrls. */
  perWorker?: WorkerLatency[];
}
