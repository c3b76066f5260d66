// Heartbeat and GC endpoint checks on dedicated servers: WSARENA_PING_INTERVAL_S pings, pongs keep the connection open; POST /gc.
import type { LaunchedServer } from "@wsarena/stacks";
import { WsConn, expectEcho } from "../clients/ws-conn.ts";
import { SioConn, describeDisconnect, expectSioEcho } from "../clients/sio-conn.ts";
import { expect, sleep } from "../util.ts";
import { wsUrl } from "./common.ts";
import type { Check, CheckContext } from "../types.ts";

/** WSARENA_PING_INTERVAL_S in the heartbeat check. */
export const CHECK_PING_INTERVAL_S = 1;
/** How long the heartbeat check watches an idle connection. */
export const PING_WATCH_MS = 4_500;
/** Pings expected within the watch: about one per interval (4 at 1 s), with a start-up and timer-phase allowance either side. */
export const PING_MIN = 2;
export const PING_MAX = 6;

async function pingRun(ctx: CheckContext): Promise<string> {
  const server = await ctx.launch({ WSARENA_PING_INTERVAL_S: String(CHECK_PING_INTERVAL_S) });
  const sio = ctx.protocol === "socket.io";
  const t0 = Date.now();
  const pingsMs: number[] = [];
  const c = sio ? await SioConn.connect(server.httpUrl) : await WsConn.open(wsUrl(server, "/echo"));
  // The ws client answers every ping with a pong by itself, and socket.io-client every Engine.IO ping packet.
  if (c instanceof SioConn) c.socket.io.engine.on("ping", () => pingsMs.push(Date.now() - t0));
  else c.ws.on("ping", () => pingsMs.push(Date.now() - t0));
  try {
    await sleep(PING_WATCH_MS);
    const seen = `${pingsMs.length} ping(s) at ${pingsMs.map((t) => `${t} ms`).join(", ") || "-"}`;
    if (c instanceof SioConn) {
      expect(
        c.disconnectInfo === null,
        `the client answering every ping was disconnected (${c.disconnectInfo ? describeDisconnect(c.disconnectInfo) : ""}); ${seen}`,
      );
      await expectSioEcho(c, "after-pings", 2_000);
    } else {
      expect(c.closeInfo === null, `the client answering every ping with a pong was closed (code ${c.closeInfo?.code}); ${seen}`);
      await expectEcho(c, "after-pings", 2_000);
    }
    expect(
      pingsMs.length >= PING_MIN && pingsMs.length <= PING_MAX,
      `with WSARENA_PING_INTERVAL_S=${CHECK_PING_INTERVAL_S} an idle connection saw ${seen} within ${PING_WATCH_MS} ms, expected ${PING_MIN}–${PING_MAX}`,
    );
    return seen;
  } finally {
    await c.close();
  }
}

const pingInterval: Check = {
  id: "limits.ping-interval",
  title: "pings every connection every WSARENA_PING_INTERVAL_S; a client that answers stays open",
  description: `Server with WSARENA_PING_INTERVAL_S=${CHECK_PING_INTERVAL_S}: an idle /echo connection must see ${PING_MIN}–${PING_MAX} WebSocket pings within ${PING_WATCH_MS} ms (the ws client answers each with a pong), stay open and still echo. socket.io: Engine.IO ping packets, answered by socket.io-client.`,
  placement: "dedicated",
  timeoutMs: PING_WATCH_MS + 10_000,
  run: { ws: pingRun, "socket.io": pingRun },
};

async function gcRun(ctx: CheckContext): Promise<string> {
  const off: LaunchedServer = await ctx.launch({});
  const offStatus = (await fetch(`${off.httpUrl}/gc`, { method: "POST" })).status;
  expect(offStatus === 404, `POST /gc without WSARENA_GC_ENDPOINT answered ${offStatus}, expected 404 (the endpoint is off by default)`);
  const on = await ctx.launch({ WSARENA_GC_ENDPOINT: "1" });
  const res = await fetch(`${on.httpUrl}/gc`, { method: "POST" });
  const body = (await res.json().catch(() => null)) as { ok?: unknown; rssBytes?: unknown } | null;
  expect(
    res.status === 200 && body?.ok === true && typeof body.rssBytes === "number" && body.rssBytes > 0,
    `POST /gc with WSARENA_GC_ENDPOINT=1 answered ${res.status} ${JSON.stringify(body)}, expected 200 {"ok":true,"rssBytes":<n > 0>}`,
  );
  return `RSS after GC ${((body!.rssBytes as number) / 2 ** 20).toFixed(1)} MiB`;
}

const gcEndpoint: Check = {
  id: "http.gc-endpoint",
  title: "POST /gc runs a full collection only when WSARENA_GC_ENDPOINT=1",
  description:
    'A server without WSARENA_GC_ENDPOINT answers POST /gc with 404; one with WSARENA_GC_ENDPOINT=1 answers 200 {"ok":true,"rssBytes":n} with n > 0 (its RSS after the collection).',
  placement: "dedicated",
  timeoutMs: 30_000,
  run: { ws: gcRun, "socket.io": gcRun },
};

export const HEARTBEAT_CHECKS: readonly Check[] = [pingInterval, gcEndpoint];
