// Receive path of the frame driver: a header-level state machine over server→client WebSocket frames.
// Counts messages without copying payloads; only the first `captureBytes` of a message are exposed (copied only when split).
// With permessage-deflate negotiated (setInflate), a message whose first frame has RSV1 is collected whole, inflated and
// exposed whole.

/** Opcodes of RFC 6455. */
export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Default bytes of each data message exposed to the handler. */
export const DEFAULT_CAPTURE_BYTES = 64;

/** What the parser reports. Buffers passed in are only valid during the call. */
export interface FrameHandler {
  /**
   * A complete data message (opcode 1 or 2, fragments reassembled): `avail` bytes of its start are readable at
   * buf[off…off+avail) (avail = min(totalLen, captureBytes)), `totalLen` is the whole message length.
   */
  onMessage(opcode: number, buf: Buffer, off: number, avail: number, totalLen: number): void;
  /** A control frame (close, ping, pong) with its full payload. */
  onControl(opcode: number, buf: Buffer, off: number, len: number): void;
  /** The stream is not valid WebSocket; parsing stops. */
  onProtocolError(reason: string): void;
}

/** Incremental parser for one connection; feed it every received chunk in order. */
export class FrameParser {
  private readonly hdr = Buffer.alloc(14);
  private hdrHave = 0;
  private inPayload = false;
  private remaining = 0;
  private frameOpcode = 0;
  private frameFin = false;
  private inMessage = false;
  private msgOpcode = 0;
  private msgLen = 0;
  private readonly cap: Buffer;
  private capLen = 0;
  private readonly ctrl = Buffer.alloc(125);
  private ctrlLen = 0;
  /** permessage-deflate: inflates one compressed message, or null when the extension was not negotiated. */
  private inflate: ((data: Buffer) => Buffer) | null = null;
  /** The message in progress is compressed (RSV1 on its first frame): its payload is collected in `zParts`. */
  private msgCompressed = false;
  private zParts: Buffer[] = [];
  /** True once a protocol error was reported. */
  failed = false;

  constructor(
    private readonly handler: FrameHandler,
    private readonly captureBytes: number = DEFAULT_CAPTURE_BYTES,
  ) {
    this.cap = Buffer.alloc(captureBytes);
  }

  /** permessage-deflate was negotiated: RSV1 marks a compressed message, inflated with `inflate` before it is handed on. */
  setInflate(inflate: (data: Buffer) => Buffer): void {
    this.inflate = inflate;
  }

  /** Parses buf[start…end). */
  feed(buf: Buffer, start: number, end: number): void {
    let pos = start;
    const h = this.handler;
    while (pos < end && !this.failed) {
      if (this.inPayload) {
        const avail = end - pos;
        const take = Math.min(avail, this.remaining);
        this.payload(buf, pos, take);
        pos += take;
        this.remaining -= take;
        if (this.remaining === 0) this.endFrame();
        continue;
      }
      let b0: number, b1: number, len: number, hs: number;
      if (this.hdrHave === 0 && end - pos >= 2) {
        b0 = buf[pos]!;
        b1 = buf[pos + 1]!;
        const l7 = b1 & 0x7f;
        hs = l7 === 126 ? 4 : l7 === 127 ? 10 : 2;
        if (b1 & 0x80) hs += 4;
        if (end - pos < hs) {
          this.stashHeader(buf, pos, end);
          return;
        }
        len = l7 === 126 ? buf.readUInt16BE(pos + 2) : l7 === 127 ? buf.readUInt32BE(pos + 2) * 4294967296 + buf.readUInt32BE(pos + 6) : l7;
        pos += hs;
        // Fast path: a whole unfragmented data message inside this chunk.
        if ((b0 & 0xf0) === 0x80 && !(b1 & 0x80) && end - pos >= len) {
          const op = b0 & 0x0f;
          if ((op === 1 || op === 2) && !this.inMessage) {
            h.onMessage(op, buf, pos, Math.min(len, this.captureBytes), len);
            pos += len;
            continue;
          }
        } else if ((b0 & 0xf0) === 0xc0 && this.inflate && !(b1 & 0x80) && end - pos >= len) {
          // Fast path of a whole unfragmented compressed message.
          const op = b0 & 0x0f;
          if ((op === 1 || op === 2) && !this.inMessage) {
            const data = this.inflateOrFail(buf.subarray(pos, pos + len));
            if (!data) return;
            h.onMessage(op, data, 0, data.length, data.length);
            pos += len;
            continue;
          }
        }
      } else {
        pos = this.stashHeader(buf, pos, end);
        if (!this.headerComplete()) return;
        const hb = this.hdr;
        b0 = hb[0]!;
        b1 = hb[1]!;
        const l7 = b1 & 0x7f;
        len = l7 === 126 ? hb.readUInt16BE(2) : l7 === 127 ? hb.readUInt32BE(2) * 4294967296 + hb.readUInt32BE(6) : l7;
        this.hdrHave = 0;
      }
      if (!this.beginFrame(b0, b1, len)) return;
      if (len === 0) this.endFrame();
    }
  }

  private headerSize(): number {
    if (this.hdrHave < 2) return 2;
    const b1 = this.hdr[1]!;
    const l7 = b1 & 0x7f;
    return (l7 === 126 ? 4 : l7 === 127 ? 10 : 2) + (b1 & 0x80 ? 4 : 0);
  }

  private headerComplete(): boolean {
    return this.hdrHave >= 2 && this.hdrHave >= this.headerSize();
  }

  /** Copies header bytes into the scratch until the header is complete or the chunk ends; returns the new position. */
  private stashHeader(buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      const need = this.headerSize();
      if (this.hdrHave >= need) break;
      this.hdr[this.hdrHave++] = buf[pos++]!;
    }
    return pos;
  }

  private beginFrame(b0: number, b1: number, len: number): boolean {
    const op = b0 & 0x0f;
    const rsv1 = (b0 & 0x40) !== 0 && this.inflate !== null && (op === 1 || op === 2);
    if (b0 & (rsv1 ? 0x30 : 0x70)) return this.fail(`frame with reserved bits 0x${(b0 & 0x70).toString(16)} set (no extension negotiated)`);
    if (b1 & 0x80) return this.fail("server frame is masked (RFC 6455 5.1: servers must not mask)");
    const fin = (b0 & 0x80) !== 0;
    if (op >= 8) {
      if (op > 10) return this.fail(`reserved control opcode ${op}`);
      if (!fin) return this.fail("fragmented control frame");
      if (len > 125) return this.fail(`control frame payload of ${len} bytes (max 125)`);
      this.ctrlLen = 0;
    } else if (op === 0) {
      if (!this.inMessage) return this.fail("continuation frame without a message in progress");
    } else if (op === 1 || op === 2) {
      if (this.inMessage) return this.fail("new data frame while a fragmented message is in progress");
      this.inMessage = true;
      this.msgOpcode = op;
      this.msgLen = 0;
      this.capLen = 0;
      this.msgCompressed = rsv1;
    } else {
      return this.fail(`reserved data opcode ${op}`);
    }
    this.frameOpcode = op;
    this.frameFin = fin;
    this.remaining = len;
    this.inPayload = len > 0;
    return true;
  }

  private payload(buf: Buffer, pos: number, take: number): void {
    if (this.frameOpcode >= 8) {
      buf.copy(this.ctrl, this.ctrlLen, pos, pos + take);
      this.ctrlLen += take;
      return;
    }
    this.msgLen += take;
    if (this.msgCompressed) {
      this.zParts.push(Buffer.from(buf.subarray(pos, pos + take)));
      return;
    }
    const room = this.captureBytes - this.capLen;
    if (room > 0) {
      const n = Math.min(take, room);
      buf.copy(this.cap, this.capLen, pos, pos + n);
      this.capLen += n;
    }
  }

  private endFrame(): void {
    this.inPayload = false;
    if (this.frameOpcode >= 8) {
      this.handler.onControl(this.frameOpcode, this.ctrl, 0, this.ctrlLen);
      this.ctrlLen = 0;
      return;
    }
    if (this.frameFin) {
      this.inMessage = false;
      if (this.msgCompressed) {
        const data = this.inflateOrFail(this.zParts.length === 1 ? this.zParts[0]! : Buffer.concat(this.zParts));
        this.zParts = [];
        if (data) this.handler.onMessage(this.msgOpcode, data, 0, data.length, data.length);
        return;
      }
      this.handler.onMessage(this.msgOpcode, this.cap, 0, this.capLen, this.msgLen);
    }
  }

  private inflateOrFail(data: Buffer): Buffer | null {
    try {
      return this.inflate!(data);
    } catch (e) {
      this.fail(`compressed message does not inflate: ${(e as Error).message}`);
      return null;
    }
  }

  private fail(reason: string): false {
    this.failed = true;
    this.handler.onProtocolError(reason);
    return false;
  }
}
