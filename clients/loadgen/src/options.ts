// Defaults of every load option as named constants, and resolution/validation of partial options into LoadOptions.
import { LOAD_SHAPES, minPayloadBytes, type LoadShape } from "@wsarena/driver-kit";
import { parseCpuList } from "@wsarena/host";
import type { DriverId, LoadMode, LoadOptions } from "./types.ts";

export const DEFAULT_DRIVER: DriverId = "frame";
export const DEFAULT_MODE: LoadMode = "echo";
export const DEFAULT_PROTOCOL = "ws" as const;
export const DEFAULT_CONNECTIONS = 64;
export const DEFAULT_WINDOW = 32;
/** Closed-loop echo refills after a quarter of the window came back: batches of W/4 messages per write. */
export const DEFAULT_REFILL_FRACTION = 0.25;
export const DEFAULT_RATE = 20_000;
/**
 * Load shape of echo-open: pipelined (the messages due in each 1 ms tick written together). One-per-write is the
 * production-like arrival, but one client core cannot carry it at high rates (a write per message plus an echo per read:
 * `pnpm bench:loadgen --sections shape` prints its client CPU per message), so it is chosen with --shape.
 */
export const DEFAULT_LOAD_SHAPE: LoadShape = "pipelined";
export const DEFAULT_SIZE_BYTES = 64;
export const DEFAULT_BINARY = true;
export const DEFAULT_DURATION_MS = 5_000;
export const DEFAULT_WARMUP_MS = 1_000;
export const DEFAULT_STREAM = Object.freeze({ format: "binary" as const, rate: 1000 });
export const DEFAULT_PUBSUB = Object.freeze({ subscribers: 50, publishers: 1, topic: "ticks" });
export const DEFAULT_HOLD_MS = 2_000;
export const DEFAULT_SOURCE_ADDRESSES = 1;
/** Slack added to the computed run length (connect + warm-up + window + drain) when no timeout is given. */
export const DEFAULT_TIMEOUT_SLACK_MS = 30_000;
/** Longest wait after the window for in-flight messages before they count as lost. */
export const DEFAULT_DRAIN_MS = 2_000;
/** Connection attempts pending at once per worker while ramping. */
export const DEFAULT_CONNECT_CONCURRENCY = 128;
/** Upper bound on connections per source address (ephemeral port range is ~28k). */
export const MAX_CONNECTIONS_PER_SOURCE_ADDRESS = 28_000;

/** A user mistake in the options; the CLI prints the message and exits 2. */
export class OptionsError extends Error {}

/** Options the caller must give. */
export type RequiredLoadOptions = Pick<LoadOptions, "url">;

/** Number of cpus in a taskset list such as "1", "2-3" or "1,3-5". */
export function cpuCount(list: string): number {
  try {
    return parseCpuList(list).length;
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
}

const positiveInt = (name: string, v: number, min = 1): void => {
  if (!Number.isInteger(v) || v < min) throw new OptionsError(`${name}=${v}: expected an integer ≥ ${min}`);
};

/** Applies defaults and validates; throws OptionsError with a readable message on a bad value. Never mutates `o`. */
export function resolveOptions(o: Partial<LoadOptions> & RequiredLoadOptions): LoadOptions {
  const r = withDefaults(o);
  checkTarget(r);
  checkTraffic(r);
  checkPlacement(r);
  const computed = r.warmupMs + (r.mode === "connections" ? r.holdMs : r.durationMs) + DEFAULT_DRAIN_MS + DEFAULT_TIMEOUT_SLACK_MS;
  r.timeoutMs = o.timeoutMs ?? computed;
  positiveInt("timeout", r.timeoutMs);
  return r;
}

/** `o` with every default filled in (timeoutMs is computed after the checks). */
function withDefaults(o: Partial<LoadOptions> & RequiredLoadOptions): LoadOptions {
  const driver = o.driver ?? DEFAULT_DRIVER;
  const mode = o.mode ?? DEFAULT_MODE;
  const protocol = o.protocol ?? (driver === "socket.io" ? "socket.io" : DEFAULT_PROTOCOL);
  const binary = o.binary ?? DEFAULT_BINARY;
  const r: LoadOptions = {
    driver,
    mode,
    url: o.url,
    protocol,
    connections: o.connections ?? DEFAULT_CONNECTIONS,
    window: o.window ?? DEFAULT_WINDOW,
    refillFraction: o.refillFraction ?? DEFAULT_REFILL_FRACTION,
    rate: o.rate ?? DEFAULT_RATE,
    size: o.size ?? (mode === "stream" ? 0 : DEFAULT_SIZE_BYTES),
    binary,
    durationMs: o.durationMs ?? DEFAULT_DURATION_MS,
    warmupMs: o.warmupMs ?? DEFAULT_WARMUP_MS,
    stream: { ...DEFAULT_STREAM, ...o.stream },
    pubsub: { ...DEFAULT_PUBSUB, ...o.pubsub },
    holdMs: o.holdMs ?? DEFAULT_HOLD_MS,
    ...(o.clientCpus !== undefined ? { clientCpus: o.clientCpus } : {}),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    ...(o.workerUrls !== undefined ? { workerUrls: [...o.workerUrls] } : {}),
    sourceAddresses: o.sourceAddresses ?? DEFAULT_SOURCE_ADDRESSES,
    ...(o.deflate ? { deflate: true } : {}),
    ...(mode === "echo-open" || o.shape !== undefined ? { shape: o.shape ?? DEFAULT_LOAD_SHAPE } : {}),
    timeoutMs: 0,
    ...(o.allowRemote ? { allowRemote: true } : {}),
  };
  return r;
}

/** Driver, mode, protocol and the server URL (loopback unless allowRemote). */
function checkTarget(r: LoadOptions): void {
  const { driver, mode, protocol } = r;
  if (!["frame", "ws", "socket.io"].includes(driver)) throw new OptionsError(`driver "${driver}": expected frame, ws or socket.io`);
  if (!["echo", "echo-open", "stream", "pubsub", "connections"].includes(mode)) {
    throw new OptionsError(`mode "${mode}": expected echo, echo-open, stream, pubsub or connections`);
  }
  if (protocol !== "ws" && protocol !== "socket.io") throw new OptionsError(`protocol "${protocol}": expected ws or socket.io`);
  if (protocol === "socket.io" && driver === "ws") throw new OptionsError("protocol socket.io needs driver frame or socket.io, not ws");
  if (r.deflate && driver !== "frame") throw new OptionsError(`deflate: only the frame driver speaks permessage-deflate, not ${driver}; use --driver frame`);
  if (protocol === "ws" && driver === "socket.io") throw new OptionsError("driver socket.io speaks only protocol socket.io");
  if (!/^(ws|http):\/\/[^/]+/.test(r.url)) throw new OptionsError(`url "${r.url}": expected ws://HOST:PORT`);
  if (!r.allowRemote && !isLoopbackUrl(r.url)) {
    throw new OptionsError(
      `url "${r.url}": the target is not loopback (127.0.0.0/8, localhost, ::1); a load generator must not hit another host by accident: pass --allow-remote (allowRemote: true) if you mean it`,
    );
  }
}

/** Connections, window, rate, payload size, timings, stream and pub/sub figures. */
function checkTraffic(r: LoadOptions): void {
  const { driver, mode, binary } = r;
  positiveInt("connections", r.connections);
  positiveInt("window", r.window);
  if (!(r.refillFraction! > 0 && r.refillFraction! <= 1)) throw new OptionsError(`refill=${r.refillFraction}: expected a fraction of the window in (0, 1]`);
  if (!(r.rate > 0)) throw new OptionsError(`rate=${r.rate}: expected messages per second > 0`);
  if (r.shape !== undefined) {
    if (!LOAD_SHAPES.includes(r.shape)) throw new OptionsError(`shape "${r.shape}": expected ${LOAD_SHAPES.join(" or ")}`);
    if (mode !== "echo-open") throw new OptionsError(`shape ${r.shape}: the load shape applies to mode echo-open only, not ${mode}; drop --shape`);
  }
  if (mode === "echo" || mode === "echo-open" || mode === "pubsub") {
    const min = minPayloadBytes(binary);
    if (!Number.isInteger(r.size) || r.size < min) {
      throw new OptionsError(
        `size=${r.size}: ${binary ? "binary" : "text"} payloads carry seq, sender, timestamp and a check word, so they need at least ${min} bytes`,
      );
    }
  } else positiveInt("size", r.size, 0);
  positiveInt("duration", r.durationMs);
  positiveInt("warmup", r.warmupMs, 0);
  positiveInt("hold", r.holdMs, 0);
  if (r.stream.format !== "json" && r.stream.format !== "binary") throw new OptionsError(`stream format "${r.stream.format}": expected json or binary`);
  positiveInt("stream rate", r.stream.rate, 0);
  positiveInt("subscribers", r.pubsub.subscribers, 0);
  positiveInt("publishers", r.pubsub.publishers);
  if (!r.pubsub.topic) throw new OptionsError("topic: expected a non-empty name");
  const room = r.pubsub.roomSize;
  if (room !== undefined) {
    positiveInt("room size", room);
    if (driver !== "frame") throw new OptionsError(`room size needs driver frame (rooms are per-connection topics), not ${driver}`);
    if (r.pubsub.subscribers !== 0)
      throw new OptionsError(`room size with ${r.pubsub.subscribers} subscribers: rooms hold publishers only; give subscribers 0`);
    if (r.pubsub.publishers > room && r.pubsub.publishers % room !== 0) {
      throw new OptionsError(`${r.pubsub.publishers} publishers in rooms of ${room}: expected at most ${room} or a multiple of ${room}, so every room is full`);
    }
  }
}

/** Client cpus, workers and their URLs, and source addresses enough for the connections. */
function checkPlacement(r: LoadOptions): void {
  if (r.clientCpus !== undefined) cpuCount(r.clientCpus);
  if (r.workers !== undefined) positiveInt("workers", r.workers);
  if (r.workerUrls !== undefined) {
    if (r.workerUrls.length === 0) throw new OptionsError("workerUrls: expected one server URL per worker, got none");
    for (const u of r.workerUrls) if (!/^(ws|http):\/\/[^/]+/.test(u)) throw new OptionsError(`worker url "${u}": expected ws://HOST:PORT`);
  }
  positiveInt("source-addresses", r.sourceAddresses);
  if (r.sourceAddresses > 254) throw new OptionsError(`source-addresses=${r.sourceAddresses}: expected at most 254 (127.0.0.1 … 127.0.0.254)`);
  const total = r.mode === "pubsub" ? r.pubsub.subscribers + r.pubsub.publishers : r.connections;
  if (total > r.sourceAddresses * MAX_CONNECTIONS_PER_SOURCE_ADDRESS) {
    throw new OptionsError(
      `${total} connections need at least ${Math.ceil(total / MAX_CONNECTIONS_PER_SOURCE_ADDRESS)} source addresses (--source-addresses), each holds ~${MAX_CONNECTIONS_PER_SOURCE_ADDRESS}`,
    );
  }
  if (r.sourceAddresses > 1 && !/^(ws|http):\/\/127\./.test(r.url)) throw new OptionsError("source-addresses > 1 needs a 127.x.x.x server url (loopback)");
}

/** Whether a ws:// or http:// URL's host is loopback: 127.0.0.0/8, localhost or ::1. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
