// Reads one WebSocket frame header (RFC 6455 §5.2) from the front of a buffer: for test and fuzz clients that read
// frames byte by byte (the frame driver's hot-path parser is its own).

/** A frame header read from the front of a buffer. */
export interface FrameHeader {
  fin: boolean;
  opcode: number;
  masked: boolean;
  /** Offset of the payload (after the extended length and the mask key, if any). */
  payloadStart: number;
  /** Payload length in bytes (a 64-bit length beyond 2^53 loses precision). */
  length: number;
}

/** The header at the front of `b`, or null while it is incomplete. */
export function readFrameHeader(b: Buffer): FrameHeader | null {
  if (b.length < 2) return null;
  let length = b[1]! & 0x7f;
  let off = 2;
  if (length === 126) {
    if (b.length < 4) return null;
    length = b.readUInt16BE(2);
    off = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    length = Number(b.readBigUInt64BE(2));
    off = 10;
  }
  const masked = (b[1]! & 0x80) !== 0;
  return { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, masked, payloadStart: off + (masked ? 4 : 0), length };
}
