// Raw WebSocket over node:net: our own HTTP upgrade and frame codec, to send frames no library would (bad input).
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { newKey, readFrameHeader, upgradeRequest } from "@wsarena/driver-kit";
import { deferred, within } from "../util.ts";

/** WebSocket opcodes. */
export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** A frame to encode. */
export interface FrameSpec {
  opcode: number;
  payload: Uint8Array;
  /** FIN bit (default true). */
  fin?: boolean;
  /** Mask the payload, as a client must (default true). */
  mask?: boolean;
  /** RSV1-3 bits as a 3-bit number (default 0). */
  rsv?: number;
}

/** Encodes one WebSocket frame. */
export function encodeFrame(f: FrameSpec): Buffer {
  const fin = f.fin ?? true;
  const mask = f.mask ?? true;
  const len = f.payload.byteLength;
  const head: number[] = [(fin ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | (f.opcode & 0x0f)];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 0xff);
  else {
    head.push(m | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  const parts = [Buffer.from(head)];
  if (mask) {
    const key = randomBytes(4);
    const body = Buffer.from(f.payload);
    for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
    parts.push(key, body);
  } else parts.push(Buffer.from(f.payload));
  return Buffer.concat(parts);
}

/** A decoded server frame. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Result of a raw HTTP upgrade request. */
export interface RawUpgrade {
  /** HTTP status of the answer (101 on success). */
  status: number;
  /** The socket (open when status is 101; destroyed otherwise). */
  socket: Socket;
  /** Answer head (status line and headers). */
  head: string;
}

/** Sends a WebSocket upgrade request for `path` and reads the answer head. */
export async function rawUpgrade(host: string, port: number, path: string, timeoutMs = 3_000): Promise<RawUpgrade> {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  const done = deferred<RawUpgrade>();
  let buf = Buffer.alloc(0);
  const onData = (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    socket.off("data", onData);
    socket.pause();
    const head = buf.subarray(0, end).toString("latin1");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    const rest = buf.subarray(end + 4);
    if (rest.length) socket.unshift(rest);
    if (status !== 101) socket.destroy();
    done.resolve({ status, socket, head });
  };
  socket.on("data", onData);
  socket.once("error", (e) => done.reject(new Error(`raw upgrade of ${path} failed: ${e.message}`)));
  socket.once("close", () => done.reject(new Error(`the server closed the TCP connection without answering the upgrade of ${path}`)));
  socket.write(upgradeRequest(`${host}:${port}`, path, newKey()));
  try {
    return await within(done.promise, timeoutMs, `the answer to the upgrade of ${path}`);
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

/** Reads server frames from an upgraded socket until it closes. */
export class FrameReader {
  readonly frames: Frame[] = [];
  /** Resolves when the TCP connection ends; carries the close frame's code if one came (1005 = empty close frame). */
  readonly ended: Promise<{ closeCode: number | null; closeReason: string }>;
  private buf = Buffer.alloc(0);
  private closeCode: number | null = null;
  private closeReason = "";

  constructor(readonly socket: Socket) {
    const d = deferred<{ closeCode: number | null; closeReason: string }>();
    this.ended = d.promise;
    socket.on("data", (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    const finish = () => d.resolve({ closeCode: this.closeCode, closeReason: this.closeReason });
    socket.once("close", finish);
    socket.once("error", finish);
    socket.resume();
  }

  private parse(): void {
    for (;;) {
      const b = this.buf;
      const h = readFrameHeader(b);
      if (!h || b.length < h.payloadStart + h.length) return;
      const { payloadStart: off, length: len } = h;
      const payload = Buffer.from(b.subarray(off, off + len));
      const f: Frame = { fin: h.fin, opcode: h.opcode, payload };
      this.frames.push(f);
      if (f.opcode === OP.close && this.closeCode === null) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.closeReason = payload.subarray(2).toString("utf8");
      }
      this.buf = b.subarray(off + len);
    }
  }

  /** Waits for the server's close frame (or the TCP close) and returns its code; null when the TCP connection ended without one. */
  async closeCodeWithin(timeoutMs: number): Promise<number | null> {
    const start = Date.now();
    while (this.closeCode === null && Date.now() - start < timeoutMs) {
      const r = await Promise.race([this.ended.then(() => "ended" as const), new Promise((res) => setTimeout(() => res("tick"), 20))]);
      if (r === "ended") break;
    }
    if (this.closeCode === null && Date.now() - start >= timeoutMs)
      throw new Error(`the server neither sent a close frame nor closed the TCP connection within ${timeoutMs} ms`);
    return this.closeCode;
  }

  /** Waits for the first data frame. */
  async nextDataFrame(timeoutMs: number): Promise<Frame> {
    const start = Date.now();
    for (;;) {
      const i = this.frames.findIndex((f) => f.opcode === OP.text || f.opcode === OP.binary || f.opcode === OP.continuation);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      if (Date.now() - start > timeoutMs) throw new Error(`no data frame within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
