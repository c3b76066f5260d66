// Engine.IO v4 / socket.io v5 packets over a raw WebSocket for the frame driver: handshake, ping replies, event templates
// and an adaptor that unwraps `echo` / `tick` / `msg` events (text argument or binary attachment) for the mode sinks.
import { encodeClientFrame, type FrameTemplate } from "./encode.ts";
import { fillPayload } from "@wsarena/driver-kit";
import { sioEventHead } from "@wsarena/protocol";
import type { MessageSink, RawConn } from "./conn.ts";

export { SIO_WS_PATH, sioEventPacket } from "@wsarena/protocol";

/** Placeholder of the first binary attachment in a socket.io binary event. */
const PLACEHOLDER = '{"_placeholder":true,"num":0}';

/**
 * `count` pre-encoded event messages (string arguments `leadingArgs` first) carrying a `size`-byte payload as their last argument: text payloads inline as a JSON
 * string (`42["echo","<payload>"]`), binary ones as a binary-event header plus one attachment frame.
 */
export function buildSioTemplate(count: number, size: number, binary: boolean, event: string, leadingArgs: string[] = []): FrameTemplate {
  let unit: Buffer;
  let payloadOffset: number;
  if (binary) {
    const head = encodeClientFrame(`451-${JSON.stringify([event, ...leadingArgs]).slice(0, -1)},${PLACEHOLDER}]`, 1);
    const payload = Buffer.alloc(size);
    fillPayload(payload, 0, size, true);
    const att = encodeClientFrame(payload, 2);
    unit = Buffer.concat([head, att]);
    payloadOffset = unit.length - size;
  } else {
    const prefix = `${sioEventHead(event, leadingArgs)}"`;
    const payload = Buffer.alloc(size);
    fillPayload(payload, 0, size, false);
    const text = Buffer.concat([Buffer.from(prefix), payload, Buffer.from('"]')]);
    unit = encodeClientFrame(text, 1);
    payloadOffset = unit.length - 2 - size;
  }
  const buf = Buffer.allocUnsafe(unit.length * count);
  for (let i = 0; i < count; i++) unit.copy(buf, i * unit.length);
  return { buf, frameBytes: unit.length, payloadOffset, count };
}

const PING = encodeClientFrame("3", 1);
const CONNECT = encodeClientFrame("40", 1);

/**
 * Sits between a RawConn and a mode sink: answers pings, completes the socket.io connect, and hands the mode sink the
 * argument of every `event` packet — text arguments as the bytes inside the JSON string, binary ones as the attachment.
 */
export class SioAdaptor implements MessageSink {
  conn!: RawConn;
  private attachmentPending = false;
  private resolveConnected!: () => void;
  private rejectConnected!: (e: Error) => void;
  /** Resolves once the server acknowledged the socket.io connect ("40{…}"). */
  readonly connected: Promise<void>;
  private readonly textPrefix: Buffer;
  private readonly binaryPrefix: Buffer;
  /** Packets that were not the expected event (other events, errors); the worker logs the first few. */
  onOther: (text: string) => void = () => {};

  constructor(
    private readonly inner: MessageSink,
    event: string,
  ) {
    this.textPrefix = Buffer.from(`${sioEventHead(event)}"`);
    this.binaryPrefix = Buffer.from(`451-${JSON.stringify([event]).slice(0, -1)},`);
    this.connected = new Promise<void>((res, rej) => {
      this.resolveConnected = res;
      this.rejectConnected = rej;
    });
    this.connected.catch(() => {});
  }

  beginChunk(): void {
    this.inner.beginChunk();
  }

  endChunk(): void {
    this.inner.endChunk();
  }

  onMessage(opcode: number, buf: Buffer, off: number, avail: number, totalLen: number): void {
    if (opcode === 2) {
      if (this.attachmentPending) {
        this.attachmentPending = false;
        this.inner.onMessage(2, buf, off, avail, totalLen);
      } else this.onOther("binary frame without a binary event header");
      return;
    }
    const c0 = buf[off];
    if (c0 === 0x34 /* 4 */) {
      const c1 = buf[off + 1];
      if (c1 === 0x32 /* 2 */ && startsWith(buf, off, avail, this.textPrefix)) {
        const p = this.textPrefix.length;
        // The mode sink sees the JSON string's content; our payloads and JSON ticks need no unescaping except ticks,
        // which the stream sink handles through unescapeJsonString when it sees a backslash.
        this.inner.onMessage(1, buf, off + p, Math.min(avail - p, totalLen - p - 2), totalLen - p - 2);
        return;
      }
      if (c1 === 0x35 /* 5 */ && startsWith(buf, off, avail, this.binaryPrefix)) {
        this.attachmentPending = true;
        return;
      }
      if (c1 === 0x30 /* 0 */) {
        this.resolveConnected();
        return;
      }
      if (c1 === 0x34 /* 4 */) this.rejectConnected(new Error(`socket.io connect refused: ${buf.toString("latin1", off, off + avail)}`));
      this.onOther(buf.toString("latin1", off, off + avail));
      return;
    }
    if (c0 === 0x32 /* 2 = ping */) {
      this.conn.write(PING);
      return;
    }
    if (c0 === 0x30 /* 0 = open */) {
      this.conn.write(CONNECT);
      return;
    }
    if (c0 === 0x31 /* 1 = close */) this.onOther("engine.io close packet");
  }
}

function startsWith(buf: Buffer, off: number, avail: number, prefix: Buffer): boolean {
  if (avail < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[off + i] !== prefix[i]) return false;
  return true;
}
