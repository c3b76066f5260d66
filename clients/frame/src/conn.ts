// One raw WebSocket client connection over node:net: upgrade, receive into a shared buffer (no per-read allocation),
// frame parsing, automatic pong and close replies; data messages go to the owner's callback.
import net from "node:net";
import { checkUpgradeResponse, newKey, upgradeRequest, nowNs } from "@wsarena/driver-kit";
import { encodeClientFrame } from "./encode.ts";
import { DeflateCodec, DEFLATE_OFFER, parseDeflateResponse } from "./deflate.ts";
import { FrameParser, OP, type FrameHandler } from "./parser.ts";

/** Receives the data messages of a connection (see FrameHandler.onMessage). */
export interface MessageSink {
  /** Before the messages of one received chunk (one clock read per chunk is enough: they arrived together). */
  beginChunk(): void;
  onMessage(opcode: number, buf: Buffer, off: number, avail: number, totalLen: number): void;
  /** After the messages of one received chunk (the echo mode refills its window here, in one write). */
  endChunk(): void;
}

/** Where and how to connect. */
export interface RawConnOptions {
  host: string;
  port: number;
  /** Path with query, e.g. /echo or /stream?format=binary. */
  path: string;
  localAddress?: string;
  /** Receive buffer reused for every read (may be shared by the connections of one worker). */
  recvBuf: Buffer;
  captureBytes: number;
  sink: MessageSink;
  /** Called once when the connection ends after being open (close code or 1006). */
  onClosed?: (code: number, reason: string) => void;
  /** Offer permessage-deflate; when the server accepts, `codec` inflates what arrives and deflates what the owner sends. */
  deflate?: boolean;
  /** Counts the bytes read from the socket after the upgrade (frames with headers, as on the wire) and the reads themselves. */
  wire?: { wireBytesReceivedTotal?: number; readsTotal?: number };
}

/** Longest wait for the server's close reply before the socket is destroyed. */
export const CLOSE_WAIT_MS = 1000;
/** Without waiting for a reply: longest wait for the close frame itself to leave before the socket is destroyed. */
export const NO_WAIT_CLOSE_MS = 50;

/** Default size of the shared receive buffer. */
export const RECV_BUFFER_BYTES = 256 * 1024;

export class RawConn implements FrameHandler {
  readonly socket: net.Socket;
  private readonly parser: FrameParser;
  private readonly key = newKey();
  private head = "";
  private upgraded = false;
  private closed = false;
  private settle: ((err: string | null) => void) | null = null;
  /** Connect + upgrade time in µs, once open. */
  connectUs = 0;
  /** Close code received from the server (0 = none yet). */
  closeCode = 0;
  /** permessage-deflate codec once the server accepted the offer; null when not offered or not accepted. */
  codec: DeflateCodec | null = null;

  constructor(private readonly o: RawConnOptions) {
    this.parser = new FrameParser(this, o.captureBytes);
    const t0 = nowNs();
    const ready = new Promise<string | null>((res) => (this.settle = res));
    this.opened = ready.then((err) => {
      if (err) throw new Error(err);
      this.connectUs = (nowNs() - t0) / 1000;
    });
    this.opened.catch(() => {});
    this.socket = net.connect({
      host: o.host,
      port: o.port,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
      noDelay: true,
      onread: { buffer: o.recvBuf, callback: (n: number, buf: Uint8Array) => this.onRead(n, buf as Buffer) !== false },
    });
    this.socket.on("connect", () => this.socket.write(upgradeRequest(`${o.host}:${o.port}`, o.path, this.key, o.deflate ? DEFLATE_OFFER : undefined)));
    this.socket.on("error", (e) => this.finish(`${(e as NodeJS.ErrnoException).code ?? "error"}: ${e.message}`));
    this.socket.on("close", () => this.finish("connection closed before the upgrade completed"));
  }

  /** Resolves when the upgrade completed; rejects with the reason otherwise. */
  readonly opened: Promise<void>;

  get isOpen(): boolean {
    return this.upgraded && !this.closed;
  }

  /** Writes pre-encoded frames. */
  write(buf: Buffer): boolean {
    return this.socket.write(buf);
  }

  /**
   * Sends a close frame and ends the socket; waits up to CLOSE_WAIT_MS for the server's reply, or none when
   * `waitForReply` is false (the socket is destroyed right after the close frame was handed to the kernel).
   */
  close(code = 1000, waitForReply = true): void {
    if (this.closed) return;
    if (this.upgraded && this.socket.writable) {
      const p = Buffer.alloc(2);
      p.writeUInt16BE(code);
      this.socket.end(encodeClientFrame(p, OP.close));
    } else this.socket.destroy();
    if (!waitForReply) {
      // Stop reading and counting now: what arrives after the window is not measured.
      this.parser.failed = true;
      if (this.socket.writableLength === 0) this.socket.destroy();
      else this.socket.once("drain", () => this.socket.destroy());
    }
    setTimeout(() => this.socket.destroy(), waitForReply ? CLOSE_WAIT_MS : NO_WAIT_CLOSE_MS).unref();
  }

  private finish(reason: string): void {
    if (!this.upgraded) {
      this.settle?.(reason);
      this.settle = null;
      this.socket.destroy();
      return;
    }
    if (this.closed) return;
    this.closed = true;
    this.codec?.close();
    this.o.onClosed?.(this.closeCode || 1006, this.closeCode ? "" : reason);
  }

  private onRead(n: number, buf: Buffer): boolean {
    if (this.upgraded) {
      const w = this.o.wire;
      if (w) {
        w.wireBytesReceivedTotal! += n;
        w.readsTotal! += 1;
      }
      const sink = this.o.sink;
      sink.beginChunk();
      this.parser.feed(buf, 0, n);
      sink.endChunk();
      return true;
    }
    this.head += buf.toString("latin1", 0, n);
    const end = this.head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (this.head.length > 16384) this.finish("upgrade response head over 16 KiB");
      return true;
    }
    const err = checkUpgradeResponse(this.head.slice(0, end), this.key);
    if (err) {
      this.finish(err);
      return false;
    }
    const ext = parseDeflateResponse(this.head.slice(0, end));
    if (typeof ext === "string" || (ext && !this.o.deflate)) {
      this.finish(typeof ext === "string" ? ext : "server accepted permessage-deflate, which was not offered");
      return false;
    }
    if (ext) {
      try {
        const codec = (this.codec = new DeflateCodec(ext));
        this.parser.setInflate((d) => codec.inflate(d));
      } catch (e) {
        this.finish((e as Error).message);
        return false;
      }
    }
    const rest = Buffer.from(this.head.slice(end + 4), "latin1");
    this.head = "";
    this.upgraded = true;
    this.socket.removeAllListeners("close");
    this.socket.on("close", () => this.finish("connection closed without a close frame"));
    this.settle?.(null);
    this.settle = null;
    if (rest.length) {
      if (this.o.wire) {
        this.o.wire.wireBytesReceivedTotal! += rest.length;
        this.o.wire.readsTotal! += 1;
      }
      this.o.sink.beginChunk();
      this.parser.feed(rest, 0, rest.length);
      this.o.sink.endChunk();
    }
    return true;
  }

  onMessage(opcode: number, buf: Buffer, off: number, avail: number, totalLen: number): void {
    this.o.sink.onMessage(opcode, buf, off, avail, totalLen);
  }

  onControl(opcode: number, buf: Buffer, off: number, len: number): void {
    if (opcode === OP.ping) {
      if (this.socket.writable) this.socket.write(encodeClientFrame(Buffer.from(buf.subarray(off, off + len)), OP.pong));
    } else if (opcode === OP.close) {
      this.closeCode = len >= 2 ? buf.readUInt16BE(off) : 1005;
      if (!this.closed && this.socket.writable) {
        const p = Buffer.alloc(2);
        p.writeUInt16BE(this.closeCode === 1005 ? 1000 : this.closeCode);
        this.socket.end(encodeClientFrame(p, OP.close));
      }
      this.finish("closed by server");
    }
  }

  onProtocolError(reason: string): void {
    this.closeCode = 1002;
    this.finish(`protocol error from server: ${reason}`);
    this.socket.destroy();
  }
}
