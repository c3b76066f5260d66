// Helpers shared by the check modules: URLs, a bystander connection that must keep working, stats reads.
import type { ServerStats } from "@wsarena/protocol";
import type { LaunchedServer } from "@wsarena/stacks";
import { WsConn, expectEcho } from "../clients/ws-conn.ts";
import { SioConn, expectSioEcho } from "../clients/sio-conn.ts";
import { getJson, sleep } from "../util.ts";
import type { CheckContext, Protocol } from "../types.ts";

/** Time a bystander's echo may take after the abuse (generous: the machine may be shared and loaded). */
export const BYSTANDER_ECHO_TIMEOUT_MS = 5_000;

// The checks' raw upgrades to socket.io use the shared Engine.IO path.
export { SIO_WS_PATH } from "@wsarena/protocol";

export function wsUrl(server: LaunchedServer, pathAndQuery: string): string {
  return `${server.wsUrl}${pathAndQuery}`;
}

export async function stats(server: LaunchedServer, timeoutMs?: number): Promise<ServerStats> {
  return getJson<ServerStats>(`${server.httpUrl}/stats`, timeoutMs);
}

/** Polls /stats until `pred` holds; returns the last stats, or throws naming `what` and the last value seen. */
export async function statsUntil(server: LaunchedServer, pred: (s: ServerStats) => boolean, timeoutMs: number, what: string): Promise<ServerStats> {
  const deadline = Date.now() + timeoutMs;
  let last = await stats(server);
  while (!pred(last)) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms; last /stats: ${JSON.stringify(last)}`);
    await sleep(50);
    last = await stats(server);
  }
  return last;
}

/** An echo connection opened before a check's abuse, that must still echo afterwards. */
export interface Bystander {
  /** Sends a text and a binary echo and checks both; throws with `after` in the message otherwise. */
  verify(after: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBystander(server: LaunchedServer, protocol: Protocol): Promise<Bystander> {
  if (protocol === "socket.io") {
    const c = await SioConn.connect(server.httpUrl);
    return {
      async verify(after) {
        try {
          await expectSioEcho(c, "bystander", BYSTANDER_ECHO_TIMEOUT_MS);
          await expectSioEcho(c, Buffer.from([1, 2, 3]), BYSTANDER_ECHO_TIMEOUT_MS);
        } catch (e) {
          throw new Error(`another client on the same server stopped working after ${after}: ${(e as Error).message}`);
        }
      },
      async close() {
        c.close();
      },
    };
  }
  const c = await WsConn.open(wsUrl(server, "/echo"));
  return {
    async verify(after) {
      try {
        await expectEcho(c, "bystander", BYSTANDER_ECHO_TIMEOUT_MS);
        await expectEcho(c, Buffer.from([1, 2, 3]), BYSTANDER_ECHO_TIMEOUT_MS);
      } catch (e) {
        throw new Error(`another connection on the same server stopped working after ${after}: ${(e as Error).message}`);
      }
    },
    close: () => c.close(),
  };
}

/** Runs `body` with a bystander opened first and verified after; closes it either way. */
export async function withBystander<T>(ctx: CheckContext, server: LaunchedServer, after: string, body: () => Promise<T>): Promise<T> {
  const b = await openBystander(server, ctx.protocol);
  try {
    const r = await body();
    await b.verify(after);
    return r;
  } finally {
    await b.close();
  }
}

/** Formats a byte count for messages. */
export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
