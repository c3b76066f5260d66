// A WebSocket client for checks (ws library): queued messages, awaited close with code, pause/resume of reading.
import WebSocket from "ws";
import { deferred, within, type Deferred } from "../util.ts";

/** Default time to open a connection. */
export const OPEN_TIMEOUT_MS = 5_000;

/** A received data message. */
export interface WsMessage {
  /** Payload (text decoded to a Buffer of its UTF-8 bytes, as received). */
  data: Buffer;
  /** True for a binary frame, false for text. */
  isBinary: boolean;
  /** process.hrtime.bigint() when it arrived. */
  receivedNs: bigint;
}

/** How the connection closed. */
export interface WsClose {
  /** Close code (1005 = none given, 1006 = connection dropped without a close frame). */
  code: number;
  reason: string;
}

/** An open client connection with a message queue. */
export class WsConn {
  readonly ws: WebSocket;
  readonly url: string;
  private readonly queue: WsMessage[] = [];
  private waiter: Deferred<void> | null = null;
  /** Resolves when the connection closes. */
  readonly closed: Promise<WsClose>;
  /** Set once closed. */
  closeInfo: WsClose | null = null;
  private handler: ((m: WsMessage) => void) | null = null;

  private constructor(ws: WebSocket, url: string) {
    this.ws = ws;
    this.url = url;
    const closed = deferred<WsClose>();
    this.closed = closed.promise;
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const m: WsMessage = { data: buf, isBinary, receivedNs: process.hrtime.bigint() };
      if (this.handler) this.handler(m);
      else {
        this.queue.push(m);
        this.waiter?.resolve();
      }
    });
    ws.on("close", (code: number, reason: Buffer) => {
      this.closeInfo = { code, reason: reason.toString() };
      closed.resolve(this.closeInfo);
      this.waiter?.resolve();
    });
    ws.on("error", () => {
      /* surfaced through close (1006) */
    });
  }

  /**
   * Opens `url`; rejects with the HTTP status when the upgrade is refused. `deflate` offers permessage-deflate and,
   * when accepted, compresses every message sent (threshold 0).
   */
  static async open(url: string, timeoutMs = OPEN_TIMEOUT_MS, opts: { deflate?: boolean } = {}): Promise<WsConn> {
    const ws = new WebSocket(url, { perMessageDeflate: opts.deflate ? { threshold: 0 } : false, maxPayload: 256 * 1024 * 1024 });
    const conn = new WsConn(ws, url);
    const opened = new Promise<WsConn>((res, rej) => {
      ws.once("open", () => res(conn));
      ws.once("unexpected-response", (_req, resp) => {
        rej(new Error(`upgrade to ${url} answered HTTP ${resp.statusCode}, expected 101`));
        resp.resume();
        ws.terminate();
      });
      ws.once("error", (e) => rej(new Error(`cannot open ${url}: ${e.message}`)));
    });
    try {
      return await within(opened, timeoutMs, `the WebSocket upgrade of ${url}`);
    } catch (e) {
      ws.terminate();
      throw e;
    }
  }

  /**
   * Hands every message to `fn` instead of queueing; messages already queued (some arrive in the same TCP read as
   * the upgrade answer, before open() resolves) are handed over first.
   */
  set onMessage(fn: ((m: WsMessage) => void) | null) {
    this.handler = fn;
    if (fn) for (const m of this.queue.splice(0)) fn(m);
  }

  /** Sends text (string) or binary (Buffer/Uint8Array). */
  send(data: string | Uint8Array): void {
    this.ws.send(data, { binary: typeof data !== "string" });
  }

  /** Number of queued, unread messages. */
  get pending(): number {
    return this.queue.length;
  }

  /** Next message; throws on timeout or when the connection closes first. */
  async next(timeoutMs: number, what = "a message"): Promise<WsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.queue.shift();
      if (m) return m;
      if (this.closeInfo)
        throw new Error(
          `connection to ${this.url} closed (code ${this.closeInfo.code}${this.closeInfo.reason ? ` "${this.closeInfo.reason}"` : ""}) while waiting for ${what}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} from ${this.url} within ${timeoutMs} ms`);
      this.waiter = deferred<void>();
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.waiter.promise, new Promise<void>((r) => (t = setTimeout(r, left)))]);
      clearTimeout(t);
      this.waiter = null;
    }
  }

  /** Next message as text; fails if it is binary. */
  async nextText(timeoutMs: number, what = "a text message"): Promise<string> {
    const m = await this.next(timeoutMs, what);
    if (m.isBinary) throw new Error(`expected ${what} from ${this.url}, got a binary frame of ${m.data.byteLength} bytes`);
    return m.data.toString("utf8");
  }

  /** Messages that arrive within `ms` (and those already queued). */
  async drainFor(ms: number): Promise<WsMessage[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.queue.splice(0);
  }

  /** Waits for the close; throws on timeout. */
  async waitClose(timeoutMs: number, what = "the server to close the connection"): Promise<WsClose> {
    return within(this.closed, timeoutMs, `${what} (${this.url})`);
  }

  /** Stops reading from the TCP socket (the kernel buffers fill, then the server's send buffer grows). */
  pauseReading(): void {
    (this.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
  }

  /** Resumes reading. */
  resumeReading(): void {
    (this.ws as unknown as { _socket: import("node:net").Socket })._socket.resume();
  }

  /** Closes with 1000 and waits briefly; never throws. */
  async close(): Promise<void> {
    if (this.closeInfo) return;
    try {
      this.ws.close(1000);
      await within(this.closed, 1_000, "close");
    } catch {
      this.ws.terminate();
    }
  }

  /** Drops the TCP connection at once. */
  terminate(): void {
    this.ws.terminate();
  }
}

/** Opens a connection, sends one message and checks it comes back identical with the same opcode. */
export async function echoRoundTrip(url: string, payload: string | Uint8Array, timeoutMs = 3_000): Promise<void> {
  const c = await WsConn.open(url);
  try {
    await expectEcho(c, payload, timeoutMs);
  } finally {
    await c.close();
  }
}

/** Sends `payload` on `c` and checks the next message is the same bytes with the same opcode. */
export async function expectEcho(c: WsConn, payload: string | Uint8Array, timeoutMs = 3_000): Promise<void> {
  c.send(payload);
  const isText = typeof payload === "string";
  const expected = isText ? Buffer.from(payload, "utf8") : Buffer.from(payload);
  const m = await c.next(timeoutMs, `the echo of a ${expected.byteLength}-byte ${isText ? "text" : "binary"} message`);
  if (m.isBinary === isText) {
    throw new Error(
      `sent a ${isText ? "text" : "binary"} message of ${expected.byteLength} bytes, got it back as ${m.isBinary ? "binary" : "text"} (opcode must be preserved)`,
    );
  }
  if (!m.data.equals(expected)) {
    const diff = m.data.byteLength !== expected.byteLength ? `length ${m.data.byteLength}, expected ${expected.byteLength}` : `content differs`;
    throw new Error(`echo of a ${expected.byteLength}-byte ${isText ? "text" : "binary"} message came back changed: ${diff}`);
  }
}
