// Stream checks: tick encoding in both formats, seq without gaps, count then close, padding, rate, clock, rate=0 memory.
import { BINARY_TICK_BYTES, decodeBinaryTick, decodeJsonTick, encodeBinaryTick, encodeJsonTick, tickIsIntact, type Tick } from "@wsarena/protocol";
import type { LaunchedServer } from "@wsarena/stacks";
import { WsConn, type WsMessage } from "../clients/ws-conn.ts";
import { SioConn, describeDisconnect, describeValue, type SioEvent } from "../clients/sio-conn.ts";
import { expect, sleep } from "../util.ts";
import { bytes, stats, withBystander, wsUrl } from "./common.ts";
import type { Check, CheckContext } from "../types.ts";

/** Rate checked by stream.rate-2000, ticks per second. */
export const RATE_TICKS_PER_SEC = 2000;
/** Window over which the delivered rate is measured. */
export const RATE_WINDOW_MS = 2000;
/** Allowed relative error of the delivered rate. */
export const RATE_TOLERANCE = 0.05;
/** Largest accepted receive time − ts (one-way latency on the shared clock). */
export const MAX_CLOCK_SKEW_NS = 1_000_000_000;
/** How long the rate=0 check leaves its stream unread. */
export const RATE0_PAUSE_MS = 2000;
/** Largest accepted RSS growth of a server whose rate=0 stream is not being read. */
export const RATE0_RSS_GROWTH_LIMIT_BYTES = 128 * 1024 * 1024;
/** WSARENA_MAX_BUFFERED of the server in the rate=0 check. */
export const RATE0_MAX_BUFFERED_BYTES = 1024 * 1024;

type Format = "json" | "binary";
interface StreamQuery {
  format: Format;
  rate: number;
  count: number;
  size: number;
}

/** A tick as received, with its raw encoding checked. */
interface Received {
  tick: Tick;
  receivedNs: bigint;
}

/** Decodes and validates one tick; the error names the tick index and the rule broken. */
function validateTick(raw: string | Uint8Array, isText: boolean, q: StreamQuery, index: number): Tick {
  const where = `tick #${index}`;
  if (q.format === "json") {
    expect(isText && typeof raw === "string", `${where}: expected a text frame / string for format=json, got ${describeValue(raw)}`);
    let t: Tick;
    try {
      t = decodeJsonTick(raw);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    expect(tickIsIntact(t), `${where}: content is not what seq ${t.seq} prescribes (px/qty/side/sym): ${raw.slice(0, 120)}`);
    const exact = encodeJsonTick(t.seq, t.ts, q.size);
    expect(
      raw === exact,
      `${where}: encoding differs from encodeJsonTick(seq, ts, ${q.size}) (field order, number format or padding): got ${raw.length} bytes ${JSON.stringify(raw.slice(0, 100))}, expected ${exact.length} bytes ${JSON.stringify(exact.slice(0, 100))}`,
    );
    return t;
  }
  expect(!isText && raw instanceof Uint8Array, `${where}: expected a binary frame / buffer for format=binary, got ${describeValue(raw)}`);
  const buf = raw as Uint8Array;
  const len = Math.max(BINARY_TICK_BYTES, q.size);
  expect(buf.byteLength === len, `${where}: binary tick is ${buf.byteLength} bytes, expected max(40, size=${q.size}) = ${len}`);
  const t = decodeBinaryTick(buf);
  expect(tickIsIntact(t), `${where}: content is not what seq ${t.seq} prescribes (px/qty/side/sym)`);
  const exact = encodeBinaryTick(t.seq, t.ts, q.size);
  const differs = exact.findIndex((v, i) => buf[i] !== v);
  expect(differs < 0, `${where}: byte ${differs} differs from encodeBinaryTick(seq, ts, ${q.size}) (layout or zero padding)`);
  return t;
}

function expectNoGaps(ticks: Received[]): void {
  for (let i = 0; i < ticks.length; i++) {
    const s = ticks[i]!.tick.seq;
    if (s !== i) throw new Error(`seq ${s} arrived as tick #${i}; expected seq ${i} (seq counts from 0 without gaps or repeats)`);
  }
}

/** An open stream on either protocol, delivering validated ticks. */
interface StreamConn {
  ticks: Received[];
  /** Resolves with a description of how the stream ended: "close 1000", "end {count} + disconnect", ... */
  ended: Promise<{ ok: boolean; how: string }>;
  error: Error | null;
  close(): Promise<void>;
  /** Drops the TCP connection at once, so this process stops parsing a flood before other checks' messages. */
  terminate(): void;
  pauseReading(): void;
  resumeReading(): void;
  isOpen(): boolean;
}

function queryString(q: StreamQuery): string {
  return `/stream?format=${q.format}&rate=${q.rate}&count=${q.count}&size=${q.size}`;
}

/** Opens a stream; `wsPath` overrides the /stream URL built from `q` (ws only). */
async function openStream(ctx: CheckContext, server: LaunchedServer, q: StreamQuery, wsPath?: string): Promise<StreamConn> {
  const ticks: Received[] = [];
  const sc: Partial<StreamConn> & { error: Error | null } = { ticks, error: null };
  const accept = (raw: string | Uint8Array, isText: boolean, receivedNs: bigint) => {
    if (sc.error) return;
    try {
      ticks.push({ tick: validateTick(raw, isText, q, ticks.length), receivedNs });
    } catch (e) {
      sc.error = e as Error;
    }
  };
  if (ctx.protocol === "socket.io") {
    const c = await SioConn.connect(server.httpUrl);
    let endCount: unknown;
    c.onEvent = (e: SioEvent) => {
      if (e.name === "tick") {
        const a = e.args[0];
        if (typeof a === "string") accept(a, true, e.receivedNs);
        else if (a instanceof Uint8Array) accept(a, false, e.receivedNs);
        else accept(a as string, false, e.receivedNs);
      } else if (e.name === "end") endCount = e.args[0];
      else if (!sc.error) sc.error = new Error(`unexpected "${e.name}" event during a stream: ${JSON.stringify(e.args).slice(0, 200)}`);
    };
    c.emit("stream", { ...q });
    sc.ended = c.disconnected.then((d) => {
      const gotEnd = endCount !== undefined;
      const endOk = gotEnd && JSON.stringify(endCount) === JSON.stringify({ count: q.count });
      return {
        ok: endOk && d.reason === "io server disconnect",
        how: `${gotEnd ? `"end" ${JSON.stringify(endCount)}` : 'no "end" event'}, then disconnect (${describeDisconnect(d)})`,
      };
    });
    sc.close = async () => c.close();
    sc.terminate = () => c.terminate();
    sc.pauseReading = () => c.pauseReading();
    sc.resumeReading = () => c.resumeReading();
    sc.isOpen = () => c.disconnectInfo === null;
  } else {
    const c = await WsConn.open(wsUrl(server, wsPath ?? queryString(q)));
    c.onMessage = (m: WsMessage) => accept(m.isBinary ? m.data : m.data.toString("utf8"), !m.isBinary, m.receivedNs);
    sc.ended = c.closed.then((cl) => ({ ok: cl.code === 1000, how: `close ${cl.code}${cl.reason ? ` "${cl.reason}"` : ""}` }));
    sc.close = () => c.close();
    sc.terminate = () => c.terminate();
    sc.pauseReading = () => c.pauseReading();
    sc.resumeReading = () => c.resumeReading();
    sc.isOpen = () => c.closeInfo === null;
  }
  return sc as StreamConn;
}

const END_EXPECTATION = { ws: "close 1000", "socket.io": '"end" {count} then disconnect ("io server disconnect")' };

/** Streams `q.count` ticks, validates every one, no gaps, exactly count, then the proper end. */
async function countedStream(ctx: CheckContext, q: StreamQuery, timeoutMs: number): Promise<Received[]> {
  const s = await openStream(ctx, ctx.server, q);
  try {
    const end = await Promise.race([s.ended, sleep(timeoutMs).then(() => null)]);
    if (s.error) throw s.error;
    expect(end !== null, `${queryString(q)}: the stream did not end within ${timeoutMs} ms after ${s.ticks.length} of ${q.count} ticks`);
    expectNoGaps(s.ticks);
    expect(s.ticks.length === q.count, `${queryString(q)}: received ${s.ticks.length} ticks, expected count=${q.count}`);
    expect(end.ok, `${queryString(q)}: after ${q.count} ticks the stream ended with ${end.how}, expected ${END_EXPECTATION[ctx.protocol]}`);
    return s.ticks;
  } finally {
    await s.close();
  }
}

function formatCheck(format: Format): Check {
  const q: StreamQuery = { format, rate: 5000, count: 300, size: 0 };
  return {
    id: `stream.${format}-ticks`,
    title: `streams well-formed ${format} ticks with seq from 0 and no gaps`,
    description: `Opens ${queryString(q)} (socket.io: \`stream\` ${JSON.stringify(q)}); every tick must be a ${format === "json" ? "text frame equal byte for byte to encodeJsonTick(seq, ts)" : "40-byte binary frame equal to encodeBinaryTick(seq, ts)"}, pass tickIsIntact, and seq must run 0..299 without gaps.`,
    placement: "shared",
    smoke: true,
    timeoutMs: 6_000,
    run: {
      ws: async (ctx) => void (await countedStream(ctx, q, 4_000)),
      "socket.io": async (ctx) => void (await countedStream(ctx, q, 4_000)),
    },
  };
}

const countClose: Check = {
  id: "stream.count-then-close",
  title: "sends exactly `count` ticks, then closes normally",
  description: `For count=1 and count=1000 at rate=0, in both formats: exactly count ticks arrive, then the server ends the stream: WebSocket close 1000 (socket.io: an \`end\` event with {count}, then the server disconnects the client, reason "io server disconnect").`,
  placement: "shared",
  timeoutMs: 8_000,
  run: {
    ws: async (ctx) => {
      for (const format of ["json", "binary"] as const) for (const count of [1, 1000]) await countedStream(ctx, { format, rate: 0, count, size: 0 }, 3_000);
    },
    "socket.io": async (ctx) => {
      for (const format of ["json", "binary"] as const) for (const count of [1, 1000]) await countedStream(ctx, { format, rate: 0, count, size: 0 }, 3_000);
    },
  },
};

const padding: Check = {
  id: "stream.size-padding",
  title: "pads every tick to `size` bytes",
  description:
    "With size=300 (and size=20, smaller than a tick): JSON ticks equal encodeJsonTick(seq, ts, size) (a trailing \"pad\" field of 'x'), binary ticks are max(40, size) bytes with zero padding from byte 40.",
  placement: "shared",
  timeoutMs: 8_000,
  run: {
    ws: async (ctx) => {
      for (const format of ["json", "binary"] as const) for (const size of [300, 20]) await countedStream(ctx, { format, rate: 0, count: 50, size }, 3_000);
    },
    "socket.io": async (ctx) => {
      for (const format of ["json", "binary"] as const) for (const size of [300, 20]) await countedStream(ctx, { format, rate: 0, count: 50, size }, 3_000);
    },
  },
};

/**
 * Delivered rate: least-squares slope of seq over receive time. Unlike a count between two instants, it does not
 * swing with the scheduling of the very first and last tick (a late timer the server catches up on costs nothing),
 * yet a server that delivers 1900/s steadily measures 1900/s.
 */
export function deliveredRate(ticks: ReadonlyArray<{ tick: { seq: number }; receivedNs: bigint }>): number {
  const n = ticks.length;
  if (n < 2) return 0;
  const t0 = ticks[0]!.receivedNs;
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (const t of ticks) {
    const x = Number(t.receivedNs - t0) / 1e9;
    const y = t.tick.seq;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const den = n * sxx - sx * sx;
  return den > 0 ? (n * sxy - sx * sy) / den : 0;
}

async function rateRun(ctx: CheckContext): Promise<string> {
  const q: StreamQuery = { format: "binary", rate: RATE_TICKS_PER_SEC, count: 0, size: 0 };
  const s = await openStream(ctx, ctx.server, q);
  try {
    const startMs = Date.now();
    while (s.ticks.length === 0 && Date.now() - startMs < 2_000) await sleep(5);
    expect(s.ticks.length > 0, `no tick within 2 s of opening ${queryString(q)}`);
    await sleep(RATE_WINDOW_MS + 150);
    if (s.error) throw s.error;
    expectNoGaps(s.ticks);
    const t0 = s.ticks[0]!.receivedNs;
    const windowNs = BigInt(RATE_WINDOW_MS) * 1_000_000n;
    const inWindow = s.ticks.filter((t) => t.receivedNs - t0 <= windowNs);
    const rate = deliveredRate(inWindow);
    const err = (rate - RATE_TICKS_PER_SEC) / RATE_TICKS_PER_SEC;
    expect(
      Math.abs(err) <= RATE_TOLERANCE,
      `delivered ${rate.toFixed(0)} ticks/s over ${RATE_WINDOW_MS} ms at rate=${RATE_TICKS_PER_SEC} (${(err * 100).toFixed(1)}%; ${inWindow.length} ticks received in the window), expected within ±${RATE_TOLERANCE * 100}%`,
    );
    return `${rate.toFixed(0)} ticks/s (${err >= 0 ? "+" : ""}${(err * 100).toFixed(1)}%)`;
  } finally {
    await s.close();
  }
}

const rate: Check = {
  id: `stream.rate-${RATE_TICKS_PER_SEC}`,
  title: `delivers ${RATE_TICKS_PER_SEC} ticks/s within ±${RATE_TOLERANCE * 100}% over ${RATE_WINDOW_MS / 1000} s`,
  description: `Opens a binary stream at rate=${RATE_TICKS_PER_SEC}; over the ${RATE_WINDOW_MS} ms after the first tick, the delivered rate (least-squares slope of seq over receive time) must be within ±${RATE_TOLERANCE * 100}% of ${RATE_TICKS_PER_SEC}/s with no seq gaps. Runs alone on the server.`,
  placement: "exclusive",
  timeoutMs: 7_000,
  run: { ws: rateRun, "socket.io": rateRun },
};

async function clockRun(ctx: CheckContext): Promise<string> {
  const q: StreamQuery = { format: "json", rate: 1000, count: 200, size: 0 };
  const ticks = await countedStream(ctx, q, 3_000);
  const binTicks = await countedStream(ctx, { ...q, format: "binary" }, 3_000);
  const lat: number[] = [];
  for (const r of [...ticks, ...binTicks]) {
    const d = Number(r.receivedNs - BigInt(r.tick.ts));
    expect(
      d >= 0,
      `tick seq ${r.tick.seq} has ts ${r.tick.ts}, ${(-d / 1e6).toFixed(3)} ms after it was received: ts is not CLOCK_MONOTONIC ns (Node's process.hrtime.bigint())`,
    );
    expect(
      d < MAX_CLOCK_SKEW_NS,
      `tick seq ${r.tick.seq} was received ${(d / 1e6).toFixed(1)} ms after its ts, expected < ${MAX_CLOCK_SKEW_NS / 1e6} ms: ts is not on the shared CLOCK_MONOTONIC`,
    );
    lat.push(d);
  }
  lat.sort((a, b) => a - b);
  return `receive − ts: median ${(lat[lat.length >> 1]! / 1e3).toFixed(0)} µs, max ${(lat[lat.length - 1]! / 1e3).toFixed(0)} µs`;
}

const clock: Check = {
  id: "stream.ts-monotonic-clock",
  title: "stamps ticks with CLOCK_MONOTONIC nanoseconds shared with the client",
  description: `For 200 ticks at rate=1000 in each format, receive time (process.hrtime.bigint()) − ts must be ≥ 0 and < ${MAX_CLOCK_SKEW_NS / 1e9} s.`,
  placement: "shared",
  timeoutMs: 8_000,
  run: { ws: clockRun, "socket.io": clockRun },
};

async function rate0Run(ctx: CheckContext): Promise<string> {
  const server = await ctx.launch({ WSARENA_MAX_BUFFERED: String(RATE0_MAX_BUFFERED_BYTES) });
  const q: StreamQuery = { format: "binary", rate: 0, count: 0, size: 0 };
  return withBystander(ctx, server, "a rate=0 stream was left unread", async () => {
    const before = await stats(server);
    const s = await openStream(ctx, server, q);
    try {
      s.pauseReading();
      let peak = before.rssBytes;
      const deadline = Date.now() + RATE0_PAUSE_MS;
      while (Date.now() < deadline) {
        await sleep(250);
        const st = await stats(server, 2_000).catch((e: Error) => {
          throw new Error(
            `/stats did not answer while a rate=0 stream was unread (${e.message}): the server probably sends in a loop that never yields to wait for drain`,
          );
        });
        peak = Math.max(peak, st.rssBytes);
        expect(st.dropped === 0, `/stats dropped is ${st.dropped} during a rate=0 stream: rate=0 must wait for drain, never drop`);
        ctx.checkAborted();
      }
      const growth = peak - before.rssBytes;
      expect(
        growth < RATE0_RSS_GROWTH_LIMIT_BYTES,
        `server RSS grew by ${bytes(growth)} while a rate=0 stream was unread for ${RATE0_PAUSE_MS} ms (WSARENA_MAX_BUFFERED=${bytes(RATE0_MAX_BUFFERED_BYTES)}), expected < ${bytes(RATE0_RSS_GROWTH_LIMIT_BYTES)}: the server buffers without bound`,
      );
      const pausedTicks = s.ticks.length;
      s.resumeReading();
      await sleep(500);
      if (s.error) throw s.error;
      expect(s.isOpen(), "the rate=0 stream was closed by the server after being unread; it must wait for drain");
      expect(s.ticks.length > pausedTicks, "no tick arrived within 500 ms after reading resumed: the server does not resume on drain");
      expectNoGaps(s.ticks);
      return `RSS growth ${bytes(growth)} while unread; ${s.ticks.length} ticks without gaps after resuming`;
    } finally {
      // A rate=0 stream keeps this process busy parsing; drop it so the bystander's echo is not stuck behind it.
      s.terminate();
    }
  });
}

const rate0: Check = {
  id: "stream.rate0-bounded-memory",
  title: "does not buffer without bound or drop when a rate=0 stream is read slowly",
  description: `On a server with WSARENA_MAX_BUFFERED=${RATE0_MAX_BUFFERED_BYTES}, opens a binary rate=0 stream and stops reading for ${RATE0_PAUSE_MS} ms: /stats must keep answering, rssBytes must grow by < ${RATE0_RSS_GROWTH_LIMIT_BYTES / 1024 / 1024} MiB and dropped stay 0; after reading resumes, ticks flow again with no seq gap; another connection keeps echoing.`,
  placement: "dedicated",
  timeoutMs: 16_000,
  run: { ws: rate0Run, "socket.io": rate0Run },
};

/** Ticks per second the server sent, from the ts of the first and last tick (robust to client-side scheduling noise). */
function sentRate(ticks: Received[]): number {
  const a = ticks[0]!.tick;
  const b = ticks[ticks.length - 1]!.tick;
  return ((b.seq - a.seq) * 1e9) / Math.max(1, b.ts - a.ts);
}

async function defaultsRun(ctx: CheckContext): Promise<string> {
  // ws: the query is omitted entirely, so the defaults apply (json, rate 1000, count 0, size 0).
  const s = await openStream(ctx, ctx.server, { format: "json", rate: 1000, count: 0, size: 0 }, "/stream");
  try {
    await sleep(1000);
    if (s.error) throw s.error;
    expect(s.isOpen(), "the stream ended before the client closed it (default count=0 streams until the client closes)");
    expect(s.ticks.length >= 10, `only ${s.ticks.length} ticks arrived in 1 s`);
    expectNoGaps(s.ticks);
    const r = sentRate(s.ticks);
    expect(Math.abs(r - 1000) <= 200, `ticks were sent at ${r.toFixed(0)}/s (from their ts), expected about 1000/s (default rate=1000)`);
    return `${s.ticks.length} JSON ticks in 1 s, sent at ${r.toFixed(0)}/s`;
  } finally {
    await s.close();
  }
}

const defaults: Check = {
  id: "stream.defaults",
  title: "streams JSON ticks at about 1000/s until the client closes when no parameters are given",
  description:
    "Opens /stream with no query (socket.io: `stream` {format:\"json\",rate:1000,count:0,size:0}) for 1 s: JSON ticks without padding arrive, sent at about 1000/s (±20%, measured from the ticks' ts; the exact delivered rate is stream.rate-2000's job), and the stream stays open until the client closes.",
  placement: "shared",
  timeoutMs: 5_000,
  run: { ws: defaultsRun, "socket.io": defaultsRun },
};

export const STREAM_CHECKS: readonly Check[] = [formatCheck("json"), formatCheck("binary"), countClose, padding, defaults, clock, rate, rate0];
