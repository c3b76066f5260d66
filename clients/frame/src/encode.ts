// Send path of the frame driver: client frames built by ws's frame encoder (Sender.frame), masked with a zero key.
// A zero masking key is a valid masked frame (RFC 6455 5.3: the key is any 32-bit value) and XOR with 0 leaves the
// payload as is, so seq and timestamps can be patched into a pre-built buffer of frames without re-masking.
import * as wsLib from "ws";
import { checkWord, fillPayload, MIN_BINARY_PAYLOAD_BYTES, type PayloadHead } from "@wsarena/driver-kit";

type FrameFn = (data: Buffer | string, options: Record<string, unknown>) => (Buffer | string)[];
// ws exports its Sender at runtime; @types/ws does not declare it.
const frameFn = (wsLib as unknown as { Sender: { frame: FrameFn } }).Sender.frame;

const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

/** One complete client frame (header + payload) as a single Buffer; `mask` false only for tests. */
export function encodeClientFrame(payload: Buffer | string, opcode: number, fin = true, mask = true): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  const parts = frameFn(data, { fin, opcode, mask, generateMask: zeroMask, maskBuffer: Buffer.alloc(4), readOnly: true, rsv1: false });
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
}

/** A buffer of `count` identical masked data frames of `size`-byte payloads with filler in place; fields are patched later. */
export interface FrameTemplate {
  buf: Buffer;
  /** Bytes of one frame. */
  frameBytes: number;
  /** Offset of the payload inside a frame. */
  payloadOffset: number;
  count: number;
}

/** Builds `count` frames back to back (payload filler in place, heads zero until patched). */
export function buildTemplate(count: number, size: number, binary: boolean): FrameTemplate {
  const payload = Buffer.alloc(size);
  fillPayload(payload, 0, size, binary);
  const one = encodeClientFrame(payload, binary ? 2 : 1);
  const buf = Buffer.allocUnsafe(one.length * count);
  for (let i = 0; i < count; i++) one.copy(buf, i * one.length);
  return { buf, frameBytes: one.length, payloadOffset: one.length - size, count };
}

const TWO32 = 4294967296;

/**
 * Binary twin of writePayloadHead for a batch: `count` payloads at off, off + stride, … get seq0, seq0 + 1, …, one
 * sender and one send time; 32-bit stores through a DataView (unaligned stores are single instructions on x64) and the
 * time split once per batch instead of byte stores per field per message. Same bytes as writePayloadHead.
 */
export function patchBinaryHeads(view: DataView, off: number, stride: number, count: number, seq0: number, sender: number, tsNs: number): void {
  const lo = tsNs >>> 0;
  const hi = Math.floor(tsNs / TWO32) >>> 0;
  for (let i = 0, seq = seq0; i < count; i++, seq++, off += stride) {
    view.setUint32(off, seq, true);
    view.setUint32(off + 4, sender, true);
    view.setUint32(off + 8, lo, true);
    view.setUint32(off + 12, hi, true);
    view.setUint32(off + 16, checkWord(seq, sender, lo, hi), true);
  }
}

/**
 * Binary twin of readPayloadHead (same verdicts and fields) reading 32-bit words through a DataView over the receive
 * buffer: the frame driver's hot receive path. `avail` bytes of the `len`-byte payload are readable at `off`.
 */
export function decodeBinaryHead(view: DataView, off: number, avail: number, len: number, expectedSize: number, out: PayloadHead): boolean {
  if (len !== expectedSize || avail < MIN_BINARY_PAYLOAD_BYTES) return false;
  const seq = view.getUint32(off, true);
  const sender = view.getUint32(off + 4, true);
  const lo = view.getUint32(off + 8, true);
  const hi = view.getUint32(off + 12, true);
  out.seq = seq;
  out.sender = sender;
  out.tsNs = hi * TWO32 + lo;
  return view.getUint32(off + 16, true) === checkWord(seq, sender, lo, hi);
}
