// Receive-side check of protocol v1 JSON ticks without strings or JSON.parse: seq and ts are read by scanning digits
// (the field order is fixed), every other captured byte is compared with the encoding the server must have sent.
import { encodeJsonTick } from "@wsarena/protocol";

/** px, qty and side depend on seq only through seq mod this (tickPrice: seq % 10000; qty: % 100; side: % 2). */
export const JSON_TICK_PERIOD = 10_000;

const enc = (s: string): Buffer => Buffer.from(s, "latin1");
const SEQ_PREFIX = enc('{"seq":');
const TS_PREFIX = enc(',"ts":');
const PAD_PREFIX = enc(',"pad":"');
const PAD_END = enc('"}');
const CLOSE = enc("}");
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const X = 0x78;
/** Longest digit run accepted for seq and ts (2^53 has 16 digits). */
const MAX_DIGITS = 16;

function quotes(b: Buffer): number {
  let n = 0;
  for (const c of b) if (c === QUOTE) n++;
  return n;
}

/**
 * Checks JSON ticks of one stream setup (`size` padding; `escaped` = carried inside a JSON string, every `"` as `\"`,
 * as socket.io does). Corruption detection: the tick's exact length must be the one encodeJsonTick gives for its
 * seq, ts and size, and every byte the receive path captured must equal that encoding: the prefix, the digits of seq
 * and ts (well-formed numbers), `,"sym":…,"px":…,"qty":…,"side":…` (a pure function of seq mod JSON_TICK_PERIOD,
 * cached), and the padding field. Pad bytes past the captured head of a large tick are covered by the length check
 * only. This catches what JSON.parse + tickIsIntact catch (any changed field value, broken syntax, wrong length)
 * at a fraction of the cost: no string is built per tick.
 */
export class JsonTickChecker {
  /** Fields of the last tick that passed check(). */
  seq = 0;
  ts = 0;
  private readonly tails: (Buffer | undefined)[] = new Array(JSON_TICK_PERIOD);
  private readonly tailQuotes: number[] = new Array(JSON_TICK_PERIOD).fill(0);

  constructor(
    private readonly size: number,
    private readonly escaped: boolean,
  ) {}

  /** `,"sym":"BTC-USD","px":…,"qty":…,"side":"…"` of seq (everything after ts up to the closing brace or pad). */
  private tail(seq: number): Buffer {
    const r = seq % JSON_TICK_PERIOD;
    let t = this.tails[r];
    if (!t) {
      const full = encodeJsonTick(r, 0);
      t = enc(full.slice(full.indexOf(',"sym"'), -1));
      this.tails[r] = t;
      this.tailQuotes[r] = quotes(t);
    }
    return t;
  }

  /**
   * Matches `exp` at p (escaped: `"` as `\"`); returns the position after it, or -1. `partial`: the captured head may
   * end inside `exp` (then returns end).
   */
  private match(buf: Uint8Array, p: number, end: number, exp: Buffer, partial = false): number {
    if (!this.escaped) {
      // Plain WebSocket ticks: one comparison per byte, no quote handling.
      const n = exp.length;
      const stop = Math.min(end - p, n);
      for (let i = 0; i < stop; i++) if (buf[p + i] !== exp[i]) return -1;
      return stop === n ? p + n : partial ? end : -1;
    }
    for (let i = 0; i < exp.length; i++) {
      const c = exp[i]!;
      if (c === QUOTE && this.escaped) {
        if (p >= end) return partial ? end : -1;
        if (buf[p] !== BACKSLASH) return -1;
        p++;
      }
      if (p >= end) return partial ? end : -1;
      if (buf[p] !== c) return -1;
      p++;
    }
    return p;
  }

  /**
   * True when buf[off…off+avail) is the head of an intact tick whose whole length is `totalLen`; then `seq` and `ts`
   * hold its fields.
   */
  check(buf: Uint8Array, off: number, avail: number, totalLen: number): boolean {
    const end = off + avail;
    let p = this.match(buf, off, end, SEQ_PREFIX);
    if (p < 0) return false;
    // seq: digits, no leading zero.
    let seq = 0;
    const s0 = p;
    while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) seq = seq * 10 + (buf[p++]! - 0x30);
    const seqDigits = p - s0;
    if (seqDigits === 0 || seqDigits > MAX_DIGITS || (seqDigits > 1 && buf[s0] === 0x30)) return false;
    p = this.match(buf, p, end, TS_PREFIX);
    if (p < 0) return false;
    let ts = 0;
    const t0 = p;
    while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) ts = ts * 10 + (buf[p++]! - 0x30);
    const tsDigits = p - t0;
    if (tsDigits === 0 || tsDigits > MAX_DIGITS || (tsDigits > 1 && buf[t0] === 0x30)) return false;
    const tail = this.tail(seq);
    p = this.match(buf, p, end, tail);
    if (p < 0) return false;
    // Expected whole length, as encodeJsonTick computes it (plus one backslash per quote when escaped).
    const baseLen = SEQ_PREFIX.length + seqDigits + TS_PREFIX.length + tsDigits + tail.length;
    const esc = this.escaped ? 1 : 0;
    const baseQuotes = 4 + this.tailQuotes[seq % JSON_TICK_PERIOD]!;
    if (this.size <= baseLen + 1) {
      if (totalLen !== baseLen + 1 + esc * baseQuotes) return false;
      if (this.match(buf, p, end, CLOSE, true) < 0) return false;
    } else {
      const padLen = Math.max(0, this.size - baseLen - 10);
      if (totalLen !== baseLen + 10 + padLen + esc * (baseQuotes + 4)) return false;
      // The pad field may be cut by the end of the captured head: compare what is there.
      p = this.match(buf, p, end, PAD_PREFIX, true);
      if (p < 0) return false;
      const padEnd = Math.min(end, p + padLen);
      while (p < padEnd) if (buf[p++] !== X) return false;
      if (this.match(buf, p, end, PAD_END, true) < 0) return false;
    }
    this.seq = seq;
    this.ts = ts;
    return true;
  }
}
