// Messages between the http scenario (parent) and its two client processes: the autocannon worker and the subscriber worker.

/** What the autocannon worker drives: GET /health, or POST /publish/<topic> with bodies that carry their send time. */
export interface AutocannonTask {
  type: "task";
  /** Server base URL http://host:port. */
  url: string;
  /** "health": GET /health; "publish": POST /publish/<topic> with a kit payload (sender 0, seq, send time) as text/plain. */
  target: "health" | "publish";
  /** Pub/sub topic of publish. */
  topic: string;
  /** Body bytes of publish (≥ MIN_TEXT_PAYLOAD_BYTES). */
  sizeBytes: number;
  /** autocannon connections. */
  connections: number;
  /** autocannon pipelining (requests in flight per connection). */
  pipelining: number;
  /** autocannon overallRate (requests/s over all connections, autocannon paces per second), or 0 = as fast as answered. */
  overallRate: number;
  /** Start of the load, and the measured window [windowStartNs, windowEndNs), ns on CLOCK_MONOTONIC. */
  startNs: number;
  windowStartNs: number;
  windowEndNs: number;
}

/** The autocannon worker's measurement. Requests count in the window when they were sent inside it. */
export interface AutocannonResult {
  type: "result";
  /** Actual window edges (timer-driven), ns on CLOCK_MONOTONIC. */
  w0Ns: number;
  w1Ns: number;
  /** user+system CPU µs of the worker between the edges. */
  cpuUs: number;
  /** Requests sent inside the window (publish: bodies stamped inside it). */
  sentInWindow: number;
  /** Responses to requests sent inside the window, by status class. */
  ok2xx: number;
  non2xx: number;
  /** Response bytes of in-window requests. */
  bytesInWindow: number;
  /** HDR histogram (µs, encoded) of the response time of in-window requests: hrtime from write to the full response. */
  histogram: string | null;
  /** autocannon's own summary of the whole run (ms latencies rounded by autocannon), for comparison. */
  autocannon: { requestsAverage: number; latencyP99Ms: number; errors: number; timeouts: number; non2xx: number };
  errors: string[];
}

/** What the subscriber worker opens: `subscribers` connections to /pubsub?topic= (or the socket.io room) with the frame driver. */
export interface SubscriberTask {
  type: "task";
  /** Server base URL ws://host:port. */
  url: string;
  protocol: "ws" | "socket.io";
  subscribers: number;
  topic: string;
  sizeBytes: number;
}

/** Parent → subscriber worker once its connections are open: the measured window, ns on CLOCK_MONOTONIC. */
export interface SubscriberStart {
  type: "start";
  windowStartNs: number;
  windowEndNs: number;
}

/** Parent → subscriber worker after the window: how many in-window publishes every subscriber must receive. */
export interface SubscriberDrain {
  type: "drain";
  expectedPerSubscriber: number;
  /** Longest wait for the missing deliveries. */
  drainMs: number;
}

/** The subscriber worker's measurement. */
export interface SubscriberResult {
  type: "result";
  w0Ns: number;
  w1Ns: number;
  cpuUs: number;
  /** Deliveries received inside the window (all messages), and their payload bytes. */
  receivedInWindow: number;
  bytesInWindow: number;
  /** Deliveries of in-window publishes after the drain: all, distinct, duplicated, reordered, corrupted. */
  windowReceived: number;
  windowDistinct: number;
  windowDuplicated: number;
  windowReordered: number;
  windowCorrupted: number;
  /** HDR histogram (µs, encoded) of fan-out latency: receive time − the body's send time, per receiver. */
  histogram: string | null;
  connected: number;
  connectFailed: number;
  errors: string[];
  closeCodes: Record<string, number>;
}

export type WorkerMessage = { type: "ready" } | AutocannonResult | SubscriberResult | { type: "fatal"; message: string };
