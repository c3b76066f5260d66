// HTTP checks: /health, /stats shape and counters consistent with the traffic sent, unknown paths.
import type { ServerStats } from "@wsarena/protocol";
import { serverIdOf } from "@wsarena/stacks";
import { WsConn } from "../clients/ws-conn.ts";
import { SioConn } from "../clients/sio-conn.ts";
import { rawUpgrade } from "../clients/raw.ts";
import { expect, getJson, http, sleep, textPayload, binaryPayload } from "../util.ts";
import { stats, statsUntil, withBystander, wsUrl } from "./common.ts";
import type { Check, CheckContext } from "../types.ts";

/** Fields of ServerStats, all non-negative integers. */
export const STATS_FIELDS: ReadonlyArray<keyof ServerStats> = [
  "connections",
  "connectionsTotal",
  "messagesIn",
  "messagesOut",
  "bytesIn",
  "bytesOut",
  "dropped",
  "closedForBackpressure",
  "rssBytes",
  "uptimeMs",
];

const health: Check = {
  id: "http.health",
  title: 'GET /health answers 200 {"ok":true,"stack":<id>}',
  description: 'GET /health must answer 200 with a JSON body {"ok":true,"stack":"<stack id>"}.',
  placement: "exclusive",
  smoke: true,
  timeoutMs: 4_000,
  run: {
    ws: healthRun,
    "socket.io": healthRun,
  },
};

async function healthRun(ctx: CheckContext): Promise<void> {
  const body = await getJson<{ ok?: unknown; stack?: unknown }>(`${ctx.server.httpUrl}/health`);
  // A variant (uws+deflate) runs the base stack's server, which names the base stack.
  const id = serverIdOf(ctx.stack);
  expect(body.ok === true && body.stack === id, `GET /health answered ${JSON.stringify(body)}, expected {"ok":true,"stack":"${id}"}`);
}

async function statsShapeRun(ctx: CheckContext): Promise<string> {
  const a = await stats(ctx.server);
  for (const f of STATS_FIELDS) {
    const v = (a as unknown as Record<string, unknown>)[f];
    expect(
      typeof v === "number" && Number.isInteger(v) && v >= 0,
      `GET /stats field "${f}" is ${JSON.stringify(v)}, expected a non-negative integer (numbers stored as numbers)`,
    );
  }
  expect(a.rssBytes > 1024 * 1024, `GET /stats rssBytes is ${a.rssBytes}, expected the server's resident set size in bytes (> 1 MiB)`);
  expect(a.connections <= a.connectionsTotal, `GET /stats connections ${a.connections} exceeds connectionsTotal ${a.connectionsTotal}`);
  await sleep(30);
  const b = await stats(ctx.server);
  expect(b.uptimeMs > a.uptimeMs, `GET /stats uptimeMs did not grow across 30 ms (${a.uptimeMs} → ${b.uptimeMs})`);
  return `rss ${(a.rssBytes / 1024 / 1024).toFixed(1)} MiB`;
}

const statsShape: Check = {
  id: "http.stats-fields",
  title: "GET /stats answers every ServerStats field as a non-negative integer",
  description: `GET /stats must answer 200 JSON with ${STATS_FIELDS.join(", ")} as non-negative integers; rssBytes > 1 MiB, connections ≤ connectionsTotal, uptimeMs growing between two reads.`,
  placement: "exclusive",
  smoke: true,
  timeoutMs: 4_000,
  run: { ws: statsShapeRun, "socket.io": statsShapeRun },
};

/** Messages per kind and connection in the echo counter check. */
const COUNTER_MSGS = 5;
const COUNTER_TEXT_BYTES = 100;
const COUNTER_BINARY_BYTES = 1000;

function deltaMismatch(field: keyof ServerStats, before: ServerStats, after: ServerStats, expected: number): string | null {
  const d = after[field] - before[field];
  return d === expected ? null : `${field} +${d} (expected +${expected})`;
}

async function echoCountersRun(ctx: CheckContext): Promise<string> {
  const before = await stats(ctx.server);
  const conns =
    ctx.protocol === "socket.io"
      ? await Promise.all([0, 1].map(() => SioConn.connect(ctx.server.httpUrl)))
      : await Promise.all([0, 1].map(() => WsConn.open(wsUrl(ctx.server, "/echo"))));
  const n = conns.length * COUNTER_MSGS * 2;
  const payloadBytes = conns.length * COUNTER_MSGS * (COUNTER_TEXT_BYTES + COUNTER_BINARY_BYTES);
  try {
    for (const c of conns) {
      for (let i = 0; i < COUNTER_MSGS; i++) {
        if (c instanceof SioConn) {
          c.emit("echo", textPayload(COUNTER_TEXT_BYTES, i));
          c.emit("echo", binaryPayload(COUNTER_BINARY_BYTES, i));
        } else {
          c.send(textPayload(COUNTER_TEXT_BYTES, i));
          c.send(binaryPayload(COUNTER_BINARY_BYTES, i));
        }
      }
    }
    for (const c of conns) for (let i = 0; i < COUNTER_MSGS * 2; i++) await (c instanceof SioConn ? c.next(3_000, "echo") : c.next(3_000, "an echo"));
    const during = await stats(ctx.server);
    const problems = [
      deltaMismatch("connections", before, during, conns.length),
      deltaMismatch("connectionsTotal", before, during, conns.length),
      deltaMismatch("messagesIn", before, during, n),
      deltaMismatch("messagesOut", before, during, n),
    ];
    if (ctx.protocol === "ws") {
      problems.push(deltaMismatch("bytesIn", before, during, payloadBytes), deltaMismatch("bytesOut", before, during, payloadBytes));
    } else {
      // socket.io: payload bytes are the event arguments; packet framing may or may not be counted, within a small bound.
      for (const f of ["bytesIn", "bytesOut"] as const) {
        const d = during[f] - before[f];
        if (d < payloadBytes || d > payloadBytes + n * 64)
          problems.push(`${f} +${d} (expected the ${payloadBytes} payload bytes, at most 64 bytes of framing per message more)`);
      }
    }
    const bad = problems.filter(Boolean);
    expect(
      bad.length === 0,
      `after ${conns.length} connections echoed ${n} messages (${payloadBytes} payload bytes) the /stats deltas were wrong: ${bad.join("; ")}`,
    );
  } finally {
    for (const c of conns) await (c instanceof SioConn ? c.close() : c.close());
  }
  await statsUntil(ctx.server, (s) => s.connections === before.connections, 2_000, `connections back to ${before.connections} after the clients closed`);
  return `${n} messages, ${payloadBytes} bytes each way`;
}

const statsEcho: Check = {
  id: "http.stats-counters",
  title: "GET /stats counts connections, messages and payload bytes of the traffic sent",
  description: `Alone on the server: 2 connections each echo ${COUNTER_MSGS} text messages of ${COUNTER_TEXT_BYTES} bytes and ${COUNTER_MSGS} binary of ${COUNTER_BINARY_BYTES}; the /stats deltas must be exactly connections +2, connectionsTotal +2, messagesIn/messagesOut +${2 * COUNTER_MSGS * 2}, bytesIn/bytesOut +${2 * COUNTER_MSGS * (COUNTER_TEXT_BYTES + COUNTER_BINARY_BYTES)} (socket.io: bytes within 64 bytes of framing per message); after the clients close, connections returns to its value before within 2 s.`,
  placement: "exclusive",
  smoke: true,
  timeoutMs: 8_000,
  run: { ws: echoCountersRun, "socket.io": echoCountersRun },
};

/** Subscribers in the fan-out counter check. */
const FANOUT_COUNTER_SUBS = 4;

async function fanoutCountersRun(ctx: CheckContext): Promise<void> {
  const topic = `stats-${Date.now()}`;
  const payload = "0123456789";
  const subs =
    ctx.protocol === "socket.io"
      ? await Promise.all(Array.from({ length: FANOUT_COUNTER_SUBS }, () => SioConn.connect(ctx.server.httpUrl, { topic })))
      : await Promise.all(Array.from({ length: FANOUT_COUNTER_SUBS }, () => WsConn.open(wsUrl(ctx.server, `/pubsub?topic=${topic}`))));
  try {
    await sleep(100);
    const before = await stats(ctx.server);
    const s0 = subs[0]!;
    if (s0 instanceof SioConn) s0.emit("pub", topic, payload);
    else s0.send(payload);
    for (const s of subs) await (s instanceof SioConn ? s.next(3_000, "msg") : s.next(3_000, "the published message"));
    const after = await stats(ctx.server);
    const problems = [deltaMismatch("messagesIn", before, after, 1), deltaMismatch("messagesOut", before, after, FANOUT_COUNTER_SUBS)];
    if (ctx.protocol === "ws")
      problems.push(deltaMismatch("bytesIn", before, after, payload.length), deltaMismatch("bytesOut", before, after, payload.length * FANOUT_COUNTER_SUBS));
    const bad = problems.filter(Boolean);
    expect(
      bad.length === 0,
      `one ${payload.length}-byte message published to ${FANOUT_COUNTER_SUBS} subscribers gave wrong /stats deltas: ${bad.join("; ")} (a fan-out counts one message out per delivery)`,
    );
  } finally {
    for (const s of subs) await (s instanceof SioConn ? s.close() : s.close());
  }
}

const statsFanout: Check = {
  id: "http.stats-fanout-counters",
  title: "GET /stats counts a fan-out as one message in and one message out per delivery",
  description: `Alone on the server: one 10-byte message published to ${FANOUT_COUNTER_SUBS} subscribers (sender included) must add exactly messagesIn +1, messagesOut +${FANOUT_COUNTER_SUBS}, bytesIn +10, bytesOut +${10 * FANOUT_COUNTER_SUBS} (socket.io: message counts only).`,
  placement: "exclusive",
  timeoutMs: 6_000,
  run: { ws: fanoutCountersRun, "socket.io": fanoutCountersRun },
};

async function unknownHttpRun(ctx: CheckContext): Promise<void> {
  return withBystander(ctx, ctx.server, "requests for unknown paths", async () => {
    for (const path of ["/nope", "/echo/extra", "/healthz"]) {
      const a = await http(`${ctx.server.httpUrl}${path}`);
      expect(a.status === 404, `GET ${path} answered ${a.status}, expected 404`);
    }
  });
}

const unknownHttp: Check = {
  id: "http.unknown-path-404",
  title: "answers 404 to an HTTP request for an unknown path",
  description: "GET /nope, /echo/extra and /healthz must each answer 404; another connection keeps echoing.",
  placement: "shared",
  timeoutMs: 4_000,
  run: { ws: unknownHttpRun, "socket.io": unknownHttpRun },
};

async function unknownUpgradeRun(ctx: CheckContext): Promise<void> {
  return withBystander(ctx, ctx.server, "upgrades to unknown paths", async () => {
    for (const path of ["/nope", "/echoes"]) {
      const up = await rawUpgrade(ctx.server.host, ctx.server.port, path, 3_000).catch((e: Error) => {
        throw new Error(`${e.message}; expected an HTTP 404 answer to the upgrade of an unknown path`);
      });
      up.socket.destroy();
      expect(up.status === 404, `WebSocket upgrade to ${path} answered ${up.status || `"${up.head.slice(0, 60)}"`}, expected HTTP 404`);
    }
  });
}

const unknownUpgrade: Check = {
  id: "http.unknown-path-upgrade-404",
  title: "answers 404 to a WebSocket upgrade for an unknown path",
  description:
    "A WebSocket upgrade request to /nope and /echoes must be answered with HTTP 404 (not 101, not a silently dropped socket); another connection keeps echoing.",
  placement: "shared",
  timeoutMs: 8_000,
  run: { ws: unknownUpgradeRun, "socket.io": unknownUpgradeRun },
};

export const HTTP_CHECKS: readonly Check[] = [health, statsShape, statsEcho, statsFanout, unknownHttp, unknownUpgrade];
