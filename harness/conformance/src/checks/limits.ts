// Limit checks on dedicated servers: max payload, max connections, backpressure drop/close, idle timeout, SIGTERM.
import { CLOSE } from "@wsarena/protocol";
import type { LaunchedServer } from "@wsarena/stacks";
import { WsConn, expectEcho } from "../clients/ws-conn.ts";
import { SioConn, describeDisconnect, expectSioEcho } from "../clients/sio-conn.ts";
import { FrameReader, rawUpgrade } from "../clients/raw.ts";
import { binaryPayload, expect, sleep, textPayload, within } from "../util.ts";
import { SIO_WS_PATH, stats, statsUntil, withBystander, wsUrl } from "./common.ts";
import type { Check, CheckContext } from "../types.ts";

/** WSARENA_MAX_PAYLOAD in the max-payload check. */
export const SMALL_MAX_PAYLOAD_BYTES = 4096;
/** WSARENA_MAX_CONNECTIONS in the max-connections check. */
export const SMALL_MAX_CONNECTIONS = 2;
/** WSARENA_MAX_BUFFERED in the backpressure checks. */
export const SMALL_MAX_BUFFERED_BYTES = 65536;
/** Stream pushed at a client that stops reading, to overflow its send buffer (about 10 MB/s: loopback socket buffers fill within a second). */
export const FLOOD_STREAM = { format: "binary", rate: 5_000, count: 0, size: 2048 } as const;
/** WSARENA_IDLE_TIMEOUT_S in the idle check: 8 s, the smallest uWebSockets.js accepts (the check starts early and mostly waits). */
export const IDLE_TIMEOUT_S = 8;
/** An idle connection must be closed no earlier than this... */
export const IDLE_MIN_MS = IDLE_TIMEOUT_S * 1000 - 500;
/** ...and no later than this: 1.5 × the timeout + 1 s fits a sweep every half timeout and uWebSockets.js' 4 s timer granularity. */
export const IDLE_MAX_MS = IDLE_TIMEOUT_S * 1500 + 1000;
/** How long the idle check keeps watching, so a late close is reported with its real time. */
export const IDLE_WATCH_MS = IDLE_MAX_MS + 3_000;
/** Time a server has from SIGTERM to exit 0. */
export const SIGTERM_EXIT_MS = 2000;
/** Allowance for reaping the process and delivering the exit event to this process. */
export const SIGTERM_SLACK_MS = 250;

const floodQuery = `/stream?format=${FLOOD_STREAM.format}&rate=${FLOOD_STREAM.rate}&count=0&size=${FLOOD_STREAM.size}`;

const maxPayload: Check = {
  id: "limits.max-payload-close-code",
  title: `closes with 1009 on a message over WSARENA_MAX_PAYLOAD and keeps serving others`,
  description: `Server with WSARENA_MAX_PAYLOAD=${SMALL_MAX_PAYLOAD_BYTES}: a ${SMALL_MAX_PAYLOAD_BYTES}-byte text message is echoed; a ${SMALL_MAX_PAYLOAD_BYTES + 1}-byte binary message gets close 1009; another connection keeps echoing. socket.io: a ${SMALL_MAX_PAYLOAD_BYTES}-byte binary argument (sent as its own WebSocket frame) is echoed, a ${SMALL_MAX_PAYLOAD_BYTES + 1}-byte one disconnects the client (the close code is reported, not required, since socket.io surfaces it as a transport close).`,
  placement: "dedicated",
  timeoutMs: 10_000,
  run: {
    ws: async (ctx) => {
      const server = await ctx.launch({ WSARENA_MAX_PAYLOAD: String(SMALL_MAX_PAYLOAD_BYTES) });
      return withBystander(ctx, server, "a message over WSARENA_MAX_PAYLOAD", async () => {
        const c = await WsConn.open(wsUrl(server, "/echo"));
        try {
          await expectEcho(c, textPayload(SMALL_MAX_PAYLOAD_BYTES), 2_000).catch((e: Error) => {
            throw new Error(`a message of exactly WSARENA_MAX_PAYLOAD=${SMALL_MAX_PAYLOAD_BYTES} bytes must be accepted: ${e.message}`);
          });
          c.send(binaryPayload(SMALL_MAX_PAYLOAD_BYTES + 1));
          const cl = await c.waitClose(3_000, `close 1009 after a ${SMALL_MAX_PAYLOAD_BYTES + 1}-byte message`);
          expect(
            cl.code === CLOSE.messageTooBig,
            `a ${SMALL_MAX_PAYLOAD_BYTES + 1}-byte message with WSARENA_MAX_PAYLOAD=${SMALL_MAX_PAYLOAD_BYTES} got close ${cl.code}${cl.reason ? ` "${cl.reason}"` : ""}, expected 1009`,
          );
        } finally {
          c.terminate();
        }
      });
    },
    "socket.io": async (ctx) => {
      const server = await ctx.launch({ WSARENA_MAX_PAYLOAD: String(SMALL_MAX_PAYLOAD_BYTES) });
      return withBystander(ctx, server, "a message over WSARENA_MAX_PAYLOAD", async () => {
        const c = await SioConn.connect(server.httpUrl);
        try {
          await expectSioEcho(c, binaryPayload(SMALL_MAX_PAYLOAD_BYTES), 2_000).catch((e: Error) => {
            throw new Error(`a binary argument of exactly WSARENA_MAX_PAYLOAD=${SMALL_MAX_PAYLOAD_BYTES} bytes must be accepted: ${e.message}`);
          });
          c.emit("echo", binaryPayload(SMALL_MAX_PAYLOAD_BYTES + 1));
          const d = await c.waitDisconnect(3_000, `a disconnect after a ${SMALL_MAX_PAYLOAD_BYTES + 1}-byte binary argument`);
          return `disconnected: ${describeDisconnect(d)}`;
        } finally {
          c.close();
        }
      });
    },
  },
};

async function maxConnectionsRun(ctx: CheckContext): Promise<void> {
  const server = await ctx.launch({ WSARENA_MAX_CONNECTIONS: String(SMALL_MAX_CONNECTIONS) });
  const sio = ctx.protocol === "socket.io";
  const path = sio ? SIO_WS_PATH : "/echo";
  const open = () => (sio ? SioConn.connect(server.httpUrl) : WsConn.open(wsUrl(server, "/echo")));
  const echo = (c: WsConn | SioConn) => (c instanceof SioConn ? expectSioEcho(c, "still here", 2_000) : expectEcho(c, "still here", 2_000));
  const conns: Array<WsConn | SioConn> = [];
  try {
    for (let i = 0; i < SMALL_MAX_CONNECTIONS; i++) conns.push(await open());
    const over = await rawUpgrade(server.host, server.port, path);
    over.socket.destroy();
    expect(
      over.status === 503,
      `upgrade number ${SMALL_MAX_CONNECTIONS + 1} with WSARENA_MAX_CONNECTIONS=${SMALL_MAX_CONNECTIONS} answered ${over.status}, expected HTTP 503`,
    );
    for (const c of conns)
      await echo(c).catch((e: Error) => {
        throw new Error(`an open connection stopped working after an upgrade was refused: ${e.message}`);
      });
    const last = conns.pop()!;
    await (last instanceof SioConn ? last.close() : last.close());
    await statsUntil(
      server,
      (s) => s.connections === SMALL_MAX_CONNECTIONS - 1,
      2_000,
      `connections = ${SMALL_MAX_CONNECTIONS - 1} after one of ${SMALL_MAX_CONNECTIONS} closed`,
    );
    conns.push(
      await open().catch((e: Error) => {
        throw new Error(`after one of ${SMALL_MAX_CONNECTIONS} connections closed, a new one must be accepted: ${e.message}`);
      }),
    );
    await echo(conns[conns.length - 1]!);
  } finally {
    for (const c of conns) await (c instanceof SioConn ? c.close() : c.close());
  }
}

const maxConnections: Check = {
  id: "limits.max-connections-503",
  title: "refuses an upgrade over WSARENA_MAX_CONNECTIONS with HTTP 503 and keeps serving",
  description: `Server with WSARENA_MAX_CONNECTIONS=${SMALL_MAX_CONNECTIONS}: with ${SMALL_MAX_CONNECTIONS} connections open, a further upgrade (raw, to /echo; socket.io: to ${SIO_WS_PATH}) gets HTTP 503; the open ones keep echoing; once one closes (connections in /stats drops), a new connection is accepted.`,
  placement: "dedicated",
  timeoutMs: 10_000,
  run: { ws: maxConnectionsRun, "socket.io": maxConnectionsRun },
};

/** Opens the flood stream on a client that stops reading at once. */
async function openFlood(ctx: CheckContext, server: LaunchedServer): Promise<{ conn: WsConn | SioConn; seqs: number[] }> {
  const seqs: number[] = [];
  const seqOf = (b: Uint8Array) => Number(Buffer.from(b.buffer, b.byteOffset, b.byteLength).readBigUInt64LE(0));
  if (ctx.protocol === "socket.io") {
    const c = await SioConn.connect(server.httpUrl);
    c.onEvent = (e) => {
      if (e.name === "tick" && e.args[0] instanceof Uint8Array) seqs.push(seqOf(e.args[0]));
    };
    c.emit("stream", { ...FLOOD_STREAM });
    c.pauseReading();
    return { conn: c, seqs };
  }
  const c = await WsConn.open(wsUrl(server, floodQuery));
  c.pauseReading();
  c.onMessage = (m) => {
    if (m.isBinary && m.data.byteLength >= 8) seqs.push(seqOf(m.data));
  };
  return { conn: c, seqs };
}

async function dropRun(ctx: CheckContext): Promise<string> {
  const server = await ctx.launch({ WSARENA_BACKPRESSURE: "drop", WSARENA_MAX_BUFFERED: String(SMALL_MAX_BUFFERED_BYTES) });
  return withBystander(ctx, server, "a slow reader overflowed its send buffer (policy drop)", async () => {
    const { conn, seqs } = await openFlood(ctx, server);
    try {
      const st = await statsUntil(
        server,
        (s) => s.dropped > 0,
        5_000,
        `dropped > 0 for a client that stopped reading a ${FLOOD_STREAM.rate}/s × ${FLOOD_STREAM.size}-byte stream (WSARENA_BACKPRESSURE=drop, WSARENA_MAX_BUFFERED=${SMALL_MAX_BUFFERED_BYTES})`,
      );
      expect(st.closedForBackpressure === 0, `policy drop closed a connection (closedForBackpressure ${st.closedForBackpressure}); it must only drop messages`);
      conn.resumeReading();
      await sleep(400);
      const open = conn instanceof SioConn ? conn.disconnectInfo === null : conn.closeInfo === null;
      expect(open, "the slow reader's connection was closed under policy drop; only messages may be dropped");
      // Snapshot first: every gap in it was dropped (and counted) before the /stats read that follows.
      const seen = seqs.slice();
      expect(seen.length > 0, "no tick arrived after the slow reader resumed reading");
      const after = await stats(server);
      let gaps = 0;
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]! > seen[i - 1]!, `seq ${seen[i]} arrived after ${seen[i - 1]}: ticks must stay in order`);
        gaps += seen[i]! - seen[i - 1]! - 1;
      }
      gaps += seen[0]!;
      expect(gaps > 0, `dropped is ${after.dropped} but the received seqs show no gap (a dropped tick must consume its seq)`);
      expect(gaps <= after.dropped, `the received seqs skip ${gaps} ticks but /stats counts only ${after.dropped} dropped`);
      return `dropped ${after.dropped}, ${gaps} seq gaps seen`;
    } finally {
      conn.terminate();
    }
  });
}

const drop: Check = {
  id: "limits.backpressure-drop",
  title: "drops and counts messages to a client over WSARENA_MAX_BUFFERED with policy drop",
  description: `Server with WSARENA_BACKPRESSURE=drop, WSARENA_MAX_BUFFERED=${SMALL_MAX_BUFFERED_BYTES}: a client opens ${floodQuery} and stops reading (TCP socket paused). /stats dropped must become > 0 within 5 s with closedForBackpressure 0; after reading resumes the connection is still open, seqs increase, skipped seqs exist and number at most dropped; another connection keeps echoing.`,
  placement: "dedicated",
  timeoutMs: 16_000,
  run: { ws: dropRun, "socket.io": dropRun },
};

async function closeRun(ctx: CheckContext): Promise<string> {
  const server = await ctx.launch({ WSARENA_BACKPRESSURE: "close", WSARENA_MAX_BUFFERED: String(SMALL_MAX_BUFFERED_BYTES) });
  return withBystander(ctx, server, "a slow reader was closed for backpressure", async () => {
    const { conn } = await openFlood(ctx, server);
    try {
      const st = await statsUntil(
        server,
        (s) => s.closedForBackpressure > 0,
        5_000,
        `closedForBackpressure > 0 for a client that stopped reading (WSARENA_BACKPRESSURE=close, WSARENA_MAX_BUFFERED=${SMALL_MAX_BUFFERED_BYTES})`,
      );
      expect(st.closedForBackpressure === 1, `closedForBackpressure is ${st.closedForBackpressure}, expected 1 (one slow connection)`);
      conn.resumeReading();
      if (conn instanceof SioConn) {
        const d = await conn.waitDisconnect(5_000, "the disconnect of the slow reader after reading resumed");
        expect(
          d.reason === "io server disconnect" || d.code === CLOSE.policyViolation,
          `the slow reader was disconnected with ${describeDisconnect(d)}, expected a server-side disconnect ("io server disconnect") or close 1008`,
        );
        return `disconnected: ${describeDisconnect(d)}`;
      }
      const cl = await conn.waitClose(5_000, "the close frame of the slow reader after reading resumed");
      expect(
        cl.code === CLOSE.policyViolation,
        `the slow reader was closed with ${cl.code}${cl.code === 1006 ? " (no close frame: the TCP connection was dropped)" : ""}, expected 1008`,
      );
      return "closed 1008";
    } finally {
      conn.close();
    }
  });
}

const closePolicy: Check = {
  id: "limits.backpressure-close",
  title: "closes a client over WSARENA_MAX_BUFFERED with 1008 under policy close, and counts it",
  description: `Server with WSARENA_BACKPRESSURE=close, WSARENA_MAX_BUFFERED=${SMALL_MAX_BUFFERED_BYTES}: a client opens ${floodQuery} and stops reading. /stats closedForBackpressure must become exactly 1 within 5 s; once the client reads again it receives close 1008 (socket.io: it is disconnected by the server, reason "io server disconnect", or with close 1008); another connection keeps echoing.`,
  placement: "dedicated",
  timeoutMs: 16_000,
  run: { ws: closeRun, "socket.io": closeRun },
};

async function idleRun(ctx: CheckContext): Promise<string> {
  const server = await ctx.launch({ WSARENA_IDLE_TIMEOUT_S: String(IDLE_TIMEOUT_S) });
  const sio = ctx.protocol === "socket.io";
  const idle = sio ? await SioConn.connect(server.httpUrl) : await WsConn.open(wsUrl(server, "/echo"));
  const active = sio ? await SioConn.connect(server.httpUrl) : await WsConn.open(wsUrl(server, "/echo"));
  const t0 = Date.now();
  let stopKeepAlive = false;
  let keepAliveError: Error | null = null;
  const keepAlive = (async () => {
    while (!stopKeepAlive) {
      try {
        if (active instanceof SioConn) await expectSioEcho(active, "keep-alive", 2_000);
        else await expectEcho(active, "keep-alive", 2_000);
      } catch (e) {
        keepAliveError = e as Error;
        return;
      }
      await sleep(400);
    }
  })();
  try {
    const closed = idle instanceof SioConn ? idle.disconnected.then(describeDisconnect) : idle.closed.then((c) => `close ${c.code}`);
    const how = await within(closed, IDLE_WATCH_MS, `the idle connection to be closed (WSARENA_IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S})`).catch(() => null);
    const afterMs = Date.now() - t0;
    expect(how !== null, `an idle connection was still open ${IDLE_WATCH_MS} ms after it last sent anything, with WSARENA_IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S}`);
    expect(afterMs >= IDLE_MIN_MS, `the idle connection was closed after ${afterMs} ms, before WSARENA_IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S} elapsed`);
    expect(
      afterMs <= IDLE_MAX_MS,
      `the idle connection was closed after ${afterMs} ms with WSARENA_IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S}, expected within ${IDLE_MAX_MS} ms`,
    );
    stopKeepAlive = true;
    await keepAlive;
    if (keepAliveError) throw new Error(`a connection sending every 400 ms must not be closed as idle: ${(keepAliveError as Error).message}`);
    return `closed after ${afterMs} ms (${how})`;
  } finally {
    stopKeepAlive = true;
    for (const c of [idle, active]) await (c instanceof SioConn ? c.close() : c.close());
  }
}

const idleCheck: Check = {
  id: "limits.idle-timeout",
  title: "closes a connection idle for WSARENA_IDLE_TIMEOUT_S while an active one stays open",
  description: `Server with WSARENA_IDLE_TIMEOUT_S=${IDLE_TIMEOUT_S}: a connection that sends nothing must be closed after ${IDLE_MIN_MS}–${IDLE_MAX_MS} ms (its real close time is reported, watched up to ${IDLE_WATCH_MS} ms); a connection echoing every 400 ms stays open and keeps working.`,
  placement: "dedicated",
  early: true,
  timeoutMs: IDLE_WATCH_MS + 5_000,
  run: { ws: idleRun, "socket.io": idleRun },
};

async function sigtermRun(ctx: CheckContext): Promise<string> {
  const server = await ctx.launch({});
  const sio = ctx.protocol === "socket.io";
  const conns: Array<WsConn | SioConn> = sio
    ? [await SioConn.connect(server.httpUrl), await SioConn.connect(server.httpUrl, { topic: "x" })]
    : [await WsConn.open(wsUrl(server, "/echo")), await WsConn.open(wsUrl(server, "/stream?rate=100")), await WsConn.open(wsUrl(server, "/pubsub?topic=x"))];
  // socket.io: a raw connection on its WebSocket transport shows the close code the client library does not surface.
  const raw = sio ? await rawUpgrade(server.host, server.port, SIO_WS_PATH) : null;
  const rawReader = raw && raw.status === 101 ? new FrameReader(raw.socket) : null;
  try {
    if (raw) expect(raw.status === 101, `the upgrade of ${SIO_WS_PATH} answered ${raw.status}, expected 101`);
    const t0 = Date.now();
    process.kill(server.pid, "SIGTERM");
    const exit = await within(server.exited, SIGTERM_EXIT_MS + SIGTERM_SLACK_MS + 2_000, "the server to exit after SIGTERM").catch(() => null);
    const exitMs = Date.now() - t0;
    const closes = await Promise.all(
      conns.map((c) =>
        c instanceof SioConn
          ? within(c.disconnected, 1_000, "disconnect").then(describeDisconnect, () => "still connected")
          : within(c.closed, 1_000, "close").then(
              (cl) => cl.code,
              () => -1,
            ),
      ),
    );
    expect(exit !== null, `the server had not exited ${exitMs} ms after SIGTERM, expected exit 0 within ${SIGTERM_EXIT_MS} ms`);
    expect(
      exit.code === 0,
      `the server exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`} after SIGTERM, expected code 0. stderr:\n${server.stderrTail().slice(-500)}`,
    );
    expect(exitMs <= SIGTERM_EXIT_MS + SIGTERM_SLACK_MS, `the server took ${exitMs} ms to exit after SIGTERM, expected ≤ ${SIGTERM_EXIT_MS} ms`);
    if (!sio) {
      const bad = closes.map((c, i) => ({ c, path: (conns[i] as WsConn).url.replace(server.wsUrl, "") })).filter((x) => x.c !== 1001);
      expect(
        bad.length === 0,
        `after SIGTERM clients saw ${bad.map((b) => `${b.path}: ${b.c === -1 ? "no close" : `close ${b.c}`}`).join(", ")}, expected close 1001 on every connection`,
      );
    } else {
      const stuck = closes.filter((c) => c === "still connected").length;
      expect(stuck === 0, `${stuck} socket.io client(s) were still connected after the server exited`);
      const code = await rawReader!.closeCodeWithin(1_000).catch(() => null);
      closes.push(`raw transport close ${code ?? "none"}`);
      expect(
        code === 1001,
        `after SIGTERM a raw connection on ${SIO_WS_PATH} saw ${code === null ? "no close frame" : code === 1005 ? "a close frame without a code" : `close ${code}`}, expected close 1001`,
      );
    }
    return `exit 0 after ${exitMs} ms; clients saw ${closes.join(", ")}`;
  } finally {
    raw?.socket.destroy();
    for (const c of conns) await (c instanceof SioConn ? c.close() : c.close());
  }
}

const sigterm: Check = {
  id: "lifecycle.sigterm",
  title: "on SIGTERM closes every connection with 1001 and exits 0 within 2 s",
  description: `Sends SIGTERM to a dedicated server (the pid of its ready line) with /echo, /stream and /pubsub connections open: every client must see close 1001 and the process must exit with code 0 within ${SIGTERM_EXIT_MS} ms (+${SIGTERM_SLACK_MS} ms to observe the exit). socket.io: every client gets disconnected and the process exits 0 in time, and a raw connection on the WebSocket transport must see close 1001.`,
  placement: "dedicated",
  timeoutMs: 10_000,
  run: { ws: sigtermRun, "socket.io": sigtermRun },
};

export const LIMIT_CHECKS: readonly Check[] = [maxPayload, maxConnections, drop, closePolicy, idleCheck, sigterm];
