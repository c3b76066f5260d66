// Market tick codec shared by servers and clients: JSON text ticks and the fixed little-endian binary layout.
// Pure TypeScript with no runtime-specific imports, so Node, Bun and Deno servers can all load it.

/** Symbol carried by every tick in protocol v1. */
export const TICK_SYMBOL = "BTC-USD";
/** Size in bytes of an unpadded binary tick. */
export const BINARY_TICK_BYTES = 40;

/** One market tick, as carried on /stream. */
export interface Tick {
  /** Sequence number, 0-based per stream. */
  seq: number;
  /** Send time in nanoseconds on the host's CLOCK_MONOTONIC (Node's process.hrtime.bigint()). */
  ts: number;
  /** Symbol, at most 7 ASCII characters. */
  sym: string;
  /** Price; a pure function of seq (see tickPrice). */
  px: number;
  /** Quantity; a pure function of seq (see tickQty). */
  qty: number;
  /** Side; "buy" for even seq, "sell" for odd. */
  side: "buy" | "sell";
}

/** Price of tick `seq`: deterministic so receivers can detect corruption. */
export function tickPrice(seq: number): number {
  return 60000 + (seq % 10000) * 0.5;
}

/** Quantity of tick `seq`: deterministic so receivers can detect corruption. */
export function tickQty(seq: number): number {
  return ((seq % 100) + 1) * 0.01;
}

/** Side of tick `seq`. */
export function tickSide(seq: number): "buy" | "sell" {
  return seq % 2 === 0 ? "buy" : "sell";
}

/** The tick a conforming server sends for `seq` at time `tsNs`. */
export function makeTick(seq: number, tsNs: number): Tick {
  return { seq, ts: tsNs, sym: TICK_SYMBOL, px: tickPrice(seq), qty: tickQty(seq), side: tickSide(seq) };
}

/**
 * JSON text tick, padded to at least `size` bytes with a trailing `"pad"` field of 'x' characters.
 * Field order is fixed: seq, ts, sym, px, qty, side[, pad].
 */
export function encodeJsonTick(seq: number, tsNs: number, size = 0): string {
  const base = `{"seq":${seq},"ts":${tsNs},"sym":"${TICK_SYMBOL}","px":${tickPrice(seq)},"qty":${tickQty(seq)},"side":"${tickSide(seq)}"`;
  // ',"pad":""}' adds 10 bytes to the base; all characters are ASCII so length == bytes.
  if (size <= base.length + 1) return `${base}}`;
  const padLen = Math.max(0, size - base.length - 10);
  return `${base},"pad":"${"x".repeat(padLen)}"}`;
}

/**
 * Binary tick layout (little-endian), `max(40, size)` bytes:
 *
 * | offset | type    | field                                   |
 * |--------|---------|-----------------------------------------|
 * | 0      | u64     | seq                                     |
 * | 8      | u64     | ts (ns, CLOCK_MONOTONIC)                |
 * | 16     | f64     | px                                      |
 * | 24     | f64     | qty                                     |
 * | 32     | u8      | side: 0 = buy, 1 = sell                 |
 * | 33     | u8[7]   | sym, ASCII, NUL-padded                  |
 * | 40     | u8[...] | padding, zero bytes, up to `size`       |
 */
export function encodeBinaryTick(seq: number, tsNs: number, size = 0, into?: Uint8Array): Uint8Array {
  const len = Math.max(BINARY_TICK_BYTES, size);
  const buf = into && into.byteLength >= len ? into.subarray(0, len) : new Uint8Array(len);
  const view = new DataView(buf.buffer, buf.byteOffset, len);
  view.setBigUint64(0, BigInt(seq), true);
  view.setBigUint64(8, BigInt(tsNs), true);
  view.setFloat64(16, tickPrice(seq), true);
  view.setFloat64(24, tickQty(seq), true);
  view.setUint8(32, seq % 2);
  for (let i = 0; i < 7; i++) view.setUint8(33 + i, i < TICK_SYMBOL.length ? TICK_SYMBOL.charCodeAt(i) : 0);
  return buf;
}

/** Decodes a binary tick; throws on a frame shorter than 40 bytes. */
export function decodeBinaryTick(buf: Uint8Array): Tick {
  if (buf.byteLength < BINARY_TICK_BYTES) {
    throw new Error(`binary tick is ${buf.byteLength} bytes, expected at least ${BINARY_TICK_BYTES}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let sym = "";
  for (let i = 0; i < 7; i++) {
    const c = view.getUint8(33 + i);
    if (c === 0) break;
    sym += String.fromCharCode(c);
  }
  return {
    seq: Number(view.getBigUint64(0, true)),
    ts: Number(view.getBigUint64(8, true)),
    px: view.getFloat64(16, true),
    qty: view.getFloat64(24, true),
    side: view.getUint8(32) === 0 ? "buy" : "sell",
    sym,
  };
}

/** Parses a JSON text tick; throws if a required field is missing or mistyped. */
export function decodeJsonTick(text: string): Tick {
  const o = JSON.parse(text) as Partial<Tick>;
  if (
    typeof o.seq !== "number" ||
    typeof o.ts !== "number" ||
    typeof o.px !== "number" ||
    typeof o.qty !== "number" ||
    typeof o.sym !== "string" ||
    (o.side !== "buy" && o.side !== "sell")
  ) {
    throw new Error(`malformed JSON tick: ${text.slice(0, 120)}`);
  }
  return { seq: o.seq, ts: o.ts, sym: o.sym, px: o.px, qty: o.qty, side: o.side };
}

/** True when a decoded tick's content is exactly what protocol v1 prescribes for its seq. */
export function tickIsIntact(t: Tick): boolean {
  return t.sym === TICK_SYMBOL && t.px === tickPrice(t.seq) && t.qty === tickQty(t.seq) && t.side === tickSide(t.seq);
}
