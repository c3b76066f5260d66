// Send path of the frame driver: client frames built by ws's frame encoder (Sender.frame), masked with a zero key.
// A zero masking key is a valid masked frame (RFC 6455 5.3: the key is any 32-bit value) and XOR with 0 leaves the
// payload as is, so seq and timestamps can be patched into a pre-built buffer of frames without re-masking.
import * as wsLib from "ws";
import { fillPayload } from "@wsarena/driver-kit";

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
