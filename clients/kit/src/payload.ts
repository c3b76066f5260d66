// Payload codec of echo and pub/sub messages shared by every driver: sequence number, sender id, send time, check word.
// Fixed layout so the frame driver can patch fields in place and decode them without allocating.

/**
 * Binary layout (little-endian), `size` ≥ 20 bytes:
 * | @0 u32 seq | @4 u32 sender id | @8 u32 ts low | @12 u32 ts high | @16 u32 check | @20… filler (i & 0xff) |
 * ts = send time (or intended send time) in ns on CLOCK_MONOTONIC; check = mix(seq, sender, ts) detects corruption.
 */
export const MIN_BINARY_PAYLOAD_BYTES = 20;
/**
 * Text layout (ASCII, fixed-width lowercase hex), `size` ≥ 44 bytes:
 * "s" seq(8) "c" sender(8) "t" ts(16) "k" check(8), then "." filler.
 */
export const MIN_TEXT_PAYLOAD_BYTES = 44;
/** Bytes of a payload the receive path must see to decode it (the rest is filler). */
export const PAYLOAD_HEAD_BYTES = 44;

const TWO32 = 4294967296;

/** Smallest payload size allowed for the given frame type. */
export function minPayloadBytes(binary: boolean): number {
  return binary ? MIN_BINARY_PAYLOAD_BYTES : MIN_TEXT_PAYLOAD_BYTES;
}

/** Check word over the fields; any single flipped bit in seq, sender or ts changes it. */
export function checkWord(seq: number, sender: number, tsLo: number, tsHi: number): number {
  return (Math.imul(seq ^ 0x5bd1e995, 0x01000193) ^ Math.imul(sender + 1, 0x9e3779b1) ^ tsLo ^ Math.imul(tsHi, 0x85ebca6b)) >>> 0;
}

/** Fills `size` bytes at `off` with the filler of the layout (done once per template). */
export function fillPayload(buf: Uint8Array, off: number, size: number, binary: boolean): void {
  if (binary) for (let i = 0; i < size; i++) buf[off + i] = i & 0xff;
  else for (let i = 0; i < size; i++) buf[off + i] = 0x2e; // "."
}

const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

function writeHex32(buf: Uint8Array, off: number, v: number): void {
  for (let i = 7; i >= 0; i--) {
    buf[off + i] = HEX[v & 15]!;
    v >>>= 4;
  }
}

/** Value of each byte as a lowercase hex digit, or HEX_BAD (outside 0..15, so an OR of eight lookups shows it). */
const HEX_BAD = 0x100;
const HEX_VALUE = (() => {
  const t = new Int32Array(256).fill(HEX_BAD);
  for (let i = 0; i < 16; i++) t[HEX[i]!] = i;
  return t;
})();

/** 8 lowercase hex digits at `off` as an unsigned 32-bit value, or -1 when any byte is not one (int32 work only: no doubles). */
function readHex32(buf: Uint8Array, off: number): number {
  const a = HEX_VALUE[buf[off]!]!;
  const b = HEX_VALUE[buf[off + 1]!]!;
  const c = HEX_VALUE[buf[off + 2]!]!;
  const d = HEX_VALUE[buf[off + 3]!]!;
  const e = HEX_VALUE[buf[off + 4]!]!;
  const f = HEX_VALUE[buf[off + 5]!]!;
  const g = HEX_VALUE[buf[off + 6]!]!;
  const h = HEX_VALUE[buf[off + 7]!]!;
  if ((a | b | c | d | e | f | g | h) & HEX_BAD) return -1;
  return ((a << 28) | (b << 24) | (c << 20) | (d << 16) | (e << 12) | (f << 8) | (g << 4) | h) >>> 0;
}

function put32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v;
  buf[off + 1] = v >>> 8;
  buf[off + 2] = v >>> 16;
  buf[off + 3] = v >>> 24;
}

/** Writes seq, sender and ts into a payload whose filler is already in place. */
export function writePayloadHead(buf: Buffer, off: number, binary: boolean, seq: number, sender: number, tsNs: number): void {
  const lo = tsNs >>> 0;
  const hi = Math.floor(tsNs / TWO32) >>> 0;
  const check = checkWord(seq, sender, lo, hi);
  if (binary) {
    put32(buf, off, seq);
    put32(buf, off + 4, sender);
    put32(buf, off + 8, lo);
    put32(buf, off + 12, hi);
    put32(buf, off + 16, check);
  } else {
    buf[off] = 0x73; // s
    writeHex32(buf, off + 1, seq >>> 0);
    buf[off + 9] = 0x63; // c
    writeHex32(buf, off + 10, sender >>> 0);
    buf[off + 18] = 0x74; // t
    writeHex32(buf, off + 19, hi);
    writeHex32(buf, off + 27, lo);
    buf[off + 35] = 0x6b; // k
    writeHex32(buf, off + 36, check);
  }
}

/** A complete payload as a new Buffer (for library drivers that send one message at a time). */
export function encodePayload(size: number, binary: boolean, seq: number, sender: number, tsNs: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  fillPayload(buf, 0, size, binary);
  writePayloadHead(buf, 0, binary, seq, sender, tsNs);
  return buf;
}

/** Decoded payload head; reused across calls to avoid allocation. */
export interface PayloadHead {
  seq: number;
  sender: number;
  tsNs: number;
}

/**
 * Decodes the head of a received payload of `len` bytes (of which `avail` are readable at `off`) into `out`.
 * Returns false when the payload is corrupted (wrong length, bad check word, bad characters).
 */
export function readPayloadHead(buf: Uint8Array, off: number, avail: number, len: number, binary: boolean, expectedSize: number, out: PayloadHead): boolean {
  if (len !== expectedSize) return false;
  if (binary) {
    if (avail < MIN_BINARY_PAYLOAD_BYTES) return false;
    const seq = (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
    const sender = (buf[off + 4]! | (buf[off + 5]! << 8) | (buf[off + 6]! << 16) | (buf[off + 7]! << 24)) >>> 0;
    const lo = (buf[off + 8]! | (buf[off + 9]! << 8) | (buf[off + 10]! << 16) | (buf[off + 11]! << 24)) >>> 0;
    const hi = (buf[off + 12]! | (buf[off + 13]! << 8) | (buf[off + 14]! << 16) | (buf[off + 15]! << 24)) >>> 0;
    const check = (buf[off + 16]! | (buf[off + 17]! << 8) | (buf[off + 18]! << 16) | (buf[off + 19]! << 24)) >>> 0;
    out.seq = seq;
    out.sender = sender;
    out.tsNs = hi * TWO32 + lo;
    return check === checkWord(seq, sender, lo, hi);
  }
  if (avail < MIN_TEXT_PAYLOAD_BYTES) return false;
  if (buf[off] !== 0x73 || buf[off + 9] !== 0x63 || buf[off + 18] !== 0x74 || buf[off + 35] !== 0x6b) return false;
  const seq = readHex32(buf, off + 1);
  const sender = readHex32(buf, off + 10);
  const hi = readHex32(buf, off + 19);
  const lo = readHex32(buf, off + 27);
  const check = readHex32(buf, off + 36);
  if (seq < 0 || sender < 0 || hi < 0 || lo < 0 || check < 0) return false;
  out.seq = seq;
  out.sender = sender;
  out.tsNs = hi * TWO32 + lo;
  return check === checkWord(seq, sender, lo, hi);
}
