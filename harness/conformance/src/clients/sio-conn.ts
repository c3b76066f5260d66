// A socket.io client for checks: WebSocket transport only, no reconnection, every received event queued by name.
import { io, type Socket } from "socket.io-client";
import { deferred, within, type Deferred } from "../util.ts";

/** Default time to connect (handshake included). */
export const SIO_CONNECT_TIMEOUT_MS = 5_000;

/** A received event. */
export interface SioEvent {
  name: string;
  args: unknown[];
  receivedNs: bigint;
}

/** How the client got disconnected. */
export interface SioDisconnect {
  /** socket.io reason, e.g. "io server disconnect", "transport close". */
  reason: string;
  /** WebSocket close code underneath, when the transport reported one. */
  code?: number;
}

/** A connected socket.io client. */
export class SioConn {
  readonly socket: Socket;
  readonly url: string;
  private readonly queue: SioEvent[] = [];
  private waiter: Deferred<void> | null = null;
  /** Resolves when the client is disconnected. */
  readonly disconnected: Promise<SioDisconnect>;
  /** Set once disconnected. */
  disconnectInfo: SioDisconnect | null = null;
  private handler: ((e: SioEvent) => void) | null = null;

  private constructor(socket: Socket, url: string) {
    this.socket = socket;
    this.url = url;
    const d = deferred<SioDisconnect>();
    this.disconnected = d.promise;
    socket.onAny((name: string, ...args: unknown[]) => {
      const e: SioEvent = { name, args, receivedNs: process.hrtime.bigint() };
      if (this.handler) this.handler(e);
      else {
        this.queue.push(e);
        this.waiter?.resolve();
      }
    });
    socket.on("disconnect", (reason: string, details?: unknown) => {
      const ctx = (details as { context?: { code?: unknown } } | undefined)?.context;
      const code = typeof ctx?.code === "number" ? ctx.code : undefined;
      this.disconnectInfo = code === undefined ? { reason } : { reason, code };
      d.resolve(this.disconnectInfo);
      this.waiter?.resolve();
    });
  }

  /** Connects to `httpUrl` (socket.io default path) with an optional handshake query. */
  static async connect(
    httpUrl: string,
    query: Record<string, string> = {},
    timeoutMs = SIO_CONNECT_TIMEOUT_MS,
    opts: { deflate?: boolean } = {},
  ): Promise<SioConn> {
    // engine.io-client hands perMessageDeflate to ws in Node; `deflate` compresses every message (threshold 0).
    const extra = opts.deflate ? { perMessageDeflate: { threshold: 0 } } : {};
    const socket = io(httpUrl, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: timeoutMs, query, ...extra });
    const conn = new SioConn(socket, httpUrl);
    const ok = new Promise<SioConn>((res, rej) => {
      socket.once("connect", () => res(conn));
      socket.once("connect_error", (e: Error) => rej(new Error(`socket.io connect to ${httpUrl} failed: ${e.message}`)));
    });
    try {
      return await within(ok, timeoutMs + 500, `the socket.io connection to ${httpUrl}`);
    } catch (e) {
      socket.disconnect();
      throw e;
    }
  }

  /** Hands every event to `fn` instead of queueing; events already queued are handed over first. */
  set onEvent(fn: ((e: SioEvent) => void) | null) {
    this.handler = fn;
    if (fn) for (const e of this.queue.splice(0)) fn(e);
  }

  emit(name: string, ...args: unknown[]): void {
    this.socket.emit(name, ...args);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Next event (of `name`, when given; other events are kept in order). */
  async next(timeoutMs: number, name?: string, what = name ? `a "${name}" event` : "an event"): Promise<SioEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = name === undefined ? (this.queue.length ? 0 : -1) : this.queue.findIndex((e) => e.name === name);
      if (i >= 0) return this.queue.splice(i, 1)[0]!;
      if (this.disconnectInfo) throw new Error(`socket.io client was disconnected (${describeDisconnect(this.disconnectInfo)}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        const other = this.queue.length
          ? ` (received instead: ${this.queue
              .slice(0, 3)
              .map((e) => `"${e.name}"`)
              .join(", ")})`
          : "";
        throw new Error(`no ${what} within ${timeoutMs} ms${other}`);
      }
      this.waiter = deferred<void>();
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.waiter.promise, new Promise<void>((r) => (t = setTimeout(r, left)))]);
      clearTimeout(t);
      this.waiter = null;
    }
  }

  async drainFor(ms: number): Promise<SioEvent[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.splice(0);
  }

  async waitDisconnect(timeoutMs: number, what = "the server to disconnect the client"): Promise<SioDisconnect> {
    return within(this.disconnected, timeoutMs, what);
  }

  /** The TCP socket under the WebSocket transport (to pause reading). */
  private tcp(): import("node:net").Socket {
    const t = (this.socket.io.engine as unknown as { transport: { ws?: { _socket?: import("node:net").Socket } } }).transport;
    const s = t.ws?._socket;
    if (!s) throw new Error("cannot reach the TCP socket of the socket.io WebSocket transport");
    return s;
  }

  pauseReading(): void {
    this.tcp().pause();
  }

  resumeReading(): void {
    this.tcp().resume();
  }

  close(): void {
    this.socket.disconnect();
  }

  /** Drops the TCP connection at once (no socket.io disconnect packet, no more parsing of what is buffered). */
  terminate(): void {
    try {
      this.tcp().destroy();
    } catch {
      /* not connected */
    }
    this.socket.disconnect();
  }
}

export function describeDisconnect(d: SioDisconnect): string {
  return d.code === undefined ? `reason "${d.reason}"` : `reason "${d.reason}", WebSocket close code ${d.code}`;
}

/** Emits `echo` with `payload` and checks the `echo` event carries the same value and type back. */
export async function expectSioEcho(c: SioConn, payload: string | Buffer, timeoutMs = 3_000): Promise<void> {
  c.emit("echo", payload);
  const isText = typeof payload === "string";
  const len = isText ? Buffer.byteLength(payload) : payload.byteLength;
  const e = await c.next(timeoutMs, "echo", `the "echo" of a ${len}-byte ${isText ? "string" : "binary"} argument`);
  const got = e.args[0];
  if (e.args.length !== 1) throw new Error(`"echo" came back with ${e.args.length} arguments, expected 1`);
  if (isText) {
    if (typeof got !== "string") throw new Error(`sent a ${len}-byte string, got back ${describeValue(got)} (type must be preserved)`);
    if (got !== payload) throw new Error(`echo of a ${len}-byte string came back changed (length ${Buffer.byteLength(got)})`);
  } else {
    if (!(got instanceof Uint8Array || got instanceof ArrayBuffer))
      throw new Error(`sent ${len} binary bytes, got back ${describeValue(got)} (type must be preserved)`);
    const b = Buffer.from(got as Uint8Array);
    if (!b.equals(payload)) throw new Error(`echo of ${len} binary bytes came back changed (length ${b.byteLength})`);
  }
}

export function describeValue(v: unknown): string {
  if (typeof v === "string") return `a ${Buffer.byteLength(v)}-byte string`;
  if (v instanceof Uint8Array) return `${v.byteLength} binary bytes`;
  if (v instanceof ArrayBuffer) return `an ArrayBuffer of ${v.byteLength} bytes`;
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 80)}`;
}
