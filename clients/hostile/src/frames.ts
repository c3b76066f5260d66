// Hostile traffic, byte level: a WebSocket frame encoder that can lie (length, mask, RSV, opcode) and the reference
// reading of a byte string by protocol v1, i.e. which outcome the contract expects and which rule (check id) says so.

/** WebSocket opcodes. */
export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** A frame to encode; every field may break the protocol. */
export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
  /** FIN bit (default true). */
  fin?: boolean;
  /** RSV1-3 as a 3-bit number (default 0). */
  rsv?: number;
  /** Mask the payload as a client must (default true). */
  mask?: boolean;
  /** Length written in the header (default: the payload's); a different value is a lie the server must cope with. */
  declaredLength?: bigint;
  /** Mask key (default 4 fixed bytes, so an input encodes identically every time). */
  maskKey?: Uint8Array;
}

const DEFAULT_MASK_KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** Encodes one frame exactly as specified (7-, 16- or 64-bit length form chosen from the declared length). */
export function encodeRawFrame(f: RawFrame): Buffer {
  const mask = f.mask ?? true;
  const len = f.declaredLength ?? BigInt(f.payload.byteLength);
  const b0 = ((f.fin ?? true) ? 0x80 : 0) | (((f.rsv ?? 0) & 7) << 4) | (f.opcode & 0x0f);
  const m = mask ? 0x80 : 0;
  let head: Buffer;
  if (len < 126n) head = Buffer.from([b0, m | Number(len)]);
  else if (len < 65536n) head = Buffer.from([b0, m | 126, Number(len >> 8n), Number(len & 0xffn)]);
  else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = m | 127;
    head.writeBigUInt64BE(BigInt.asUintN(64, len), 2);
  }
  if (!mask) return Buffer.concat([head, f.payload]);
  const key = f.maskKey ?? DEFAULT_MASK_KEY;
  const body = Buffer.from(f.payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([head, key, body]);
}

/** A close frame payload: code (omitted when null) and reason bytes. */
export function closePayload(code: number | null, reason: Uint8Array = new Uint8Array(0)): Buffer {
  if (code === null) return Buffer.from(reason);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code & 0xffff, 0);
  return Buffer.concat([b, reason]);
}

/**
 * What a client observed after sending an input: the server's close frame code ("close:1002"; "close:1005" = a close
 * frame without a code), an HTTP status ("http:400"), "echo" (a data frame came back and the connection stayed open),
 * "tcp-close" (FIN without a close frame), "reset" (ECONNRESET/EPIPE), "none" (nothing within the reaction time).
 */
export type Outcome = `close:${number}` | `http:${number}` | "echo" | "tcp-close" | "reset" | "none";

/** A rule of the contract an input breaks, named by the conformance check that asserts it (deviations use these ids). */
export interface Fault {
  /** Conformance check id, e.g. "bad-input.reserved-bits". */
  check: string;
  /** Outcomes the contract allows for it. */
  allowed: readonly Outcome[];
}

/** Valid close codes a client may send (RFC 6455 §7.4: 1000-1003, 1007-1014, 3000-4999). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** The reference reading of an input: the faults it contains (first one first) and the outcomes the contract allows. */
export interface Expectation {
  /** Faults in the order a server meets them; empty for valid traffic. */
  faults: Fault[];
  /** Allowed outcomes: those of any fault in the first faulty frame, else "echo"/"none"/"close:*" for valid traffic. */
  allowed: readonly Outcome[];
  /** A valid close frame ended the input: any close code from the server is the contract's. */
  anyClose: boolean;
  /**
   * A complete data message came before the first fault (the server may react to it first: engine.io closes on a
   * WebSocket message that is not an engine.io packet before ws reads the faulty bytes after it).
   */
  dataBeforeFault?: boolean;
}

const F = {
  rsv: { check: "bad-input.reserved-bits", allowed: ["close:1002"] },
  opcode: { check: "bad-input.reserved-opcode", allowed: ["close:1002"] },
  unmasked: { check: "bad-input.unmasked-frame", allowed: ["close:1002"] },
  msb: { check: "bad-input.length-64bit-msb", allowed: ["close:1002"] },
  controlLong: { check: "bad-input.oversized-control-frame", allowed: ["close:1002"] },
  controlFragmented: { check: "bad-input.fragmented-control-frame", allowed: ["close:1002"] },
  orphanContinuation: { check: "bad-input.orphan-continuation", allowed: ["close:1002"] },
  dataMidFragment: { check: "bad-input.data-mid-fragment", allowed: ["close:1002"] },
  tooBig: { check: "bad-input.length-over-max-payload", allowed: ["close:1009"] },
  huge63: { check: "bad-input.length-max-63bit", allowed: ["close:1009"] },
  utf8: { check: "bad-input.invalid-utf8", allowed: ["close:1007"] },
  close1Byte: { check: "bad-input.close-1-byte-payload", allowed: ["close:1002"] },
  closeCode: { check: "bad-input.close-bad-code", allowed: ["close:1002"] },
  closeReason: { check: "bad-input.close-invalid-utf8-reason", allowed: ["close:1007"] },
} as const satisfies Record<string, Fault>;

/** The check ids the frame-level reference reading can name. */
export const FRAME_FAULT_CHECKS: readonly string[] = Object.values(F).map((f) => f.check);

const utf8 = new TextDecoder("utf-8", { fatal: true });
function validUtf8(b: Uint8Array): boolean {
  try {
    utf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `bytes` (everything a client sends after the upgrade) as a protocol v1 server must, with WSARENA_MAX_PAYLOAD =
 * `maxPayloadBytes`, and returns what the contract allows. Faults found in one frame header are all allowed (servers
 * check them in different orders); the reading stops at the first faulty frame or valid close.
 */
export function expectFrames(bytes: Uint8Array, maxPayloadBytes: number): Expectation {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  let fragmented: "text" | "binary" | null = null;
  let fragments: Buffer[] = [];
  let echoed = false;
  let partialHeaderFaults: Fault[] = [];
  for (;;) {
    if (b.length - off < 2) {
      partialHeaderFaults = b.length > off ? headerStartFaults(fragmented, b[off]!) : [];
      break;
    }
    const h = readHeader(b, off);
    if (!h) {
      partialHeaderFaults = headerStartFaults(fragmented, b[off]!, b[off + 1]!);
      break;
    }
    const { fin, opcode, masked, len } = h;
    const faults = headerFaults(h, fragmented, fragments, maxPayloadBytes);
    const start = off + h.headerBytes + (masked ? 4 : 0);
    if (faults.length) {
      // A server may read a whole frame before it judges the header: with the payload still to come, waiting is allowed
      // too, except for a length over the limit, which must be refused from the header (else it would be buffered).
      const waits = b.length < start + Number(len < 1n << 53n ? len : 1n << 53n) && !faults.some((f) => f === F.tooBig || f === F.huge63 || f === F.msb);
      const e = fail(faults, echoed);
      return waits ? { ...e, allowed: [...e.allowed, "none"] } : e;
    }
    if (b.length < start + Number(len)) break;
    const key = b.subarray(off + h.headerBytes, off + h.headerBytes + 4);
    const payload = Buffer.from(b.subarray(start, start + Number(len)));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
    off = start + Number(len);
    if (opcode === OPCODE.close) return expectClose(payload, echoed);
    if (opcode >= 8) continue; // ping → pong, pong ignored: neither is an echo
    const kind: "text" | "binary" = opcode === OPCODE.continuation ? fragmented! : opcode === OPCODE.text ? "text" : "binary";
    fragments.push(payload);
    if (!fin) {
      fragmented = kind;
      continue;
    }
    if (kind === "text" && !validUtf8(Buffer.concat(fragments))) return fail([F.utf8], echoed);
    fragmented = null;
    fragments = [];
    echoed = true;
  }
  const allowed: Outcome[] = [echoed ? "echo" : "none"];
  // A faulty header start may be refused at once (1002) or waited on until the header completes (echo/none above).
  if (partialHeaderFaults.length) allowed.push("close:1002");
  // A server may reject an unfinished text message as soon as its bytes cannot become valid UTF-8 (uWS does).
  if (fragmented === "text" && !validUtf8Prefix(Buffer.concat(fragments))) allowed.push("close:1007");
  return { faults: partialHeaderFaults, allowed, anyClose: false, ...(echoed && partialHeaderFaults.length ? { dataBeforeFault: true } : {}) };
}

/** The expectation of an input that stops at a faulty frame; `echoed` when a complete data message came before it. */
function fail(faults: Fault[], echoed: boolean): Expectation {
  return { faults, allowed: [...new Set(faults.flatMap((f) => f.allowed))], anyClose: false, ...(echoed ? { dataBeforeFault: true } : {}) };
}

/** A frame header as read from the input. */
interface FrameHeader {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Payload length as the header says (up to 64 bits). */
  len: bigint;
  /** Bytes of the header before the mask key: 2, 4 or 10. */
  headerBytes: number;
}

/** The header at `off` (at least 2 bytes there), or null when the input ends inside its extended length. */
function readHeader(b: Buffer, off: number): FrameHeader | null {
  const b0 = b[off]!;
  const b1 = b[off + 1]!;
  let len = BigInt(b1 & 0x7f);
  let headerBytes = 2;
  if (len === 126n) {
    if (b.length - off < 4) return null;
    len = BigInt(b.readUInt16BE(off + 2));
    headerBytes = 4;
  } else if (len === 127n) {
    if (b.length - off < 10) return null;
    len = b.readBigUInt64BE(off + 2);
    headerBytes = 10;
  }
  return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked: (b1 & 0x80) !== 0, len, headerBytes };
}

/**
 * Faults a server can see in the first byte (and the mask bit of the second) of a header still incomplete: it may
 * refuse the frame already.
 */
function headerStartFaults(fragmented: "text" | "binary" | null, b0: number, b1?: number): Fault[] {
  const op = b0 & 0x0f;
  const known = op <= 2 || (op >= 8 && op <= 10);
  const faults: Fault[] = [];
  if (((b0 >> 4) & 7) !== 0) faults.push(F.rsv);
  if (!known) faults.push(F.opcode);
  if (b1 !== undefined && (b1 & 0x80) === 0) faults.push(F.unmasked);
  if (op >= 8 && known && (b0 & 0x80) === 0) faults.push(F.controlFragmented);
  if (op === OPCODE.continuation && fragmented === null) faults.push(F.orphanContinuation);
  if ((op === OPCODE.text || op === OPCODE.binary) && fragmented !== null) faults.push(F.dataMidFragment);
  return faults;
}

/** Every fault of a complete header, given the message being reassembled (`fragments` so far) and the payload limit. */
function headerFaults(h: FrameHeader, fragmented: "text" | "binary" | null, fragments: readonly Buffer[], maxPayloadBytes: number): Fault[] {
  const { fin, rsv, opcode, masked, len } = h;
  const control = opcode >= 8;
  const known = opcode <= 2 || (opcode >= 8 && opcode <= 10);
  const faults: Fault[] = [];
  if (rsv !== 0) faults.push(F.rsv);
  if (!known) faults.push(F.opcode);
  if (!masked) faults.push(F.unmasked);
  if (len >= 1n << 63n) faults.push(F.msb);
  if (known && control && len > 125n) faults.push(F.controlLong);
  if (known && control && !fin) faults.push(F.controlFragmented);
  if (opcode === OPCODE.continuation && fragmented === null) faults.push(F.orphanContinuation);
  if ((opcode === OPCODE.text || opcode === OPCODE.binary) && fragmented !== null) faults.push(F.dataMidFragment);
  if (known && !control && len < 1n << 63n) {
    const total = BigInt(fragments.reduce((s, x) => s + x.length, 0)) + len;
    if (total > BigInt(maxPayloadBytes)) faults.push(len >= (1n << 63n) - 1n ? F.huge63 : F.tooBig);
  }
  return faults;
}

/** A close frame (unmasked payload) ends the reading: a valid one lets the server close with any code. */
function expectClose(payload: Buffer, echoed: boolean): Expectation {
  if (payload.length === 1) return fail([F.close1Byte], echoed);
  if (payload.length >= 2 && !isValidCloseCode(payload.readUInt16BE(0))) return fail([F.closeCode], echoed);
  if (payload.length > 2 && !validUtf8(payload.subarray(2))) return fail([F.closeReason], echoed);
  return { faults: [], allowed: [], anyClose: true };
}

function validUtf8Prefix(b: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b, { stream: true });
    return true;
  } catch {
    return false;
  }
}
