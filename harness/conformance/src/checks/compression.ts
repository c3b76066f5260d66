// Compression checks (WSARENA_COMPRESSION): permessage-deflate is negotiated exactly when it is on, and compressed text
// and binary messages of several sizes echo back intact on one connection (so the compression context carries over).
import { WsConn, expectEcho } from "../clients/ws-conn.ts";
import { SioConn, expectSioEcho } from "../clients/sio-conn.ts";
import { binaryPayload, expect, textPayload } from "../util.ts";
import { SIO_WS_PATH, wsUrl } from "./common.ts";
import type { Check, CheckContext } from "../types.ts";

/** Sizes echoed compressed, in this order on one connection: tiny, one frame's worth, 16-bit and 64-bit lengths, and 1 MiB (many TCP segments and zlib output chunks). */
export const COMPRESSED_ECHO_SIZES = [1, 125, 1024, 65536, 1048576] as const;
/** Repeats of a small message after the large ones: each is compressed against the window the earlier ones left. */
export const COMPRESSED_REPEATS = 20;

/** The extension list the server answered, or "" when it accepted none. */
function extensionsOf(c: WsConn): string {
  return c.ws.extensions;
}

async function negotiated(ctx: CheckContext, compression: "0" | "1"): Promise<string> {
  const server = await ctx.launch({ WSARENA_COMPRESSION: compression });
  const path = ctx.protocol === "socket.io" ? SIO_WS_PATH : "/echo";
  const c = await WsConn.open(wsUrl(server, path), undefined, { deflate: true });
  try {
    return extensionsOf(c);
  } finally {
    c.terminate();
  }
}

const negotiation: Check = {
  id: "compression.negotiation",
  title: "accepts permessage-deflate when WSARENA_COMPRESSION=1 and declines it when 0",
  description:
    "Two dedicated servers, WSARENA_COMPRESSION=1 and =0; a client offering `permessage-deflate; client_max_window_bits` (the ws library's offer) upgrades to /echo (socket.io: the Engine.IO WebSocket path) on each. With 1 the 101 answer must carry `Sec-WebSocket-Extensions: permessage-deflate…`; with 0 it must carry no extension.",
  placement: "dedicated",
  smoke: true,
  timeoutMs: 15_000,
  run: {
    ws: (ctx) => negotiationRun(ctx),
    "socket.io": (ctx) => negotiationRun(ctx),
  },
};

async function negotiationRun(ctx: CheckContext): Promise<string> {
  const on = await negotiated(ctx, "1");
  expect(
    on.startsWith("permessage-deflate"),
    `with WSARENA_COMPRESSION=1 the server answered ${on ? `"Sec-WebSocket-Extensions: ${on}"` : "no Sec-WebSocket-Extensions"} to a permessage-deflate offer, expected permessage-deflate`,
  );
  const off = await negotiated(ctx, "0");
  expect(off === "", `with WSARENA_COMPRESSION=0 the server accepted "${off}", expected no extension`);
  return `accepted with 1: ${on}`;
}

function echoCheck(kind: "text" | "binary"): Check {
  const payload = (n: number, seed: number) => (kind === "text" ? textPayload(n, seed) : binaryPayload(n, seed));
  return {
    id: `compression.echo-${kind}`,
    title: `echoes compressed ${kind} messages of ${COMPRESSED_ECHO_SIZES.join(", ")} bytes unchanged, as ${kind}`,
    description: `A dedicated server with WSARENA_COMPRESSION=1; one connection that negotiated permessage-deflate (context takeover both ways) sends each size as a compressed ${kind} message and expects the identical bytes back as ${kind}, then ${COMPRESSED_REPEATS} repeats of a 200-byte message (compressed against the window the earlier messages left). socket.io: the same as \`echo\` events over a socket.io client that compresses every packet.`,
    placement: "dedicated",
    timeoutMs: 20_000,
    run: {
      ws: async (ctx) => {
        const server = await ctx.launch({ WSARENA_COMPRESSION: "1" });
        const c = await WsConn.open(wsUrl(server, "/echo"), undefined, { deflate: true });
        try {
          expect(extensionsOf(c).startsWith("permessage-deflate"), `the server did not accept permessage-deflate (answered "${extensionsOf(c)}")`);
          for (const [i, n] of COMPRESSED_ECHO_SIZES.entries()) await expectEcho(c, payload(n, i), 8_000);
          for (let i = 0; i < COMPRESSED_REPEATS; i++) await expectEcho(c, payload(200, 100 + (i % 3)), 3_000);
        } finally {
          await c.close();
        }
      },
      "socket.io": async (ctx) => {
        const server = await ctx.launch({ WSARENA_COMPRESSION: "1" });
        const c = await SioConn.connect(server.httpUrl, {}, undefined, { deflate: true });
        try {
          for (const [i, n] of COMPRESSED_ECHO_SIZES.entries()) {
            const p = payload(n, i);
            await expectSioEcho(c, typeof p === "string" ? p : Buffer.from(p), 8_000);
          }
          for (let i = 0; i < COMPRESSED_REPEATS; i++) {
            const p = payload(200, 100 + (i % 3));
            await expectSioEcho(c, typeof p === "string" ? p : Buffer.from(p), 3_000);
          }
        } finally {
          c.close();
        }
      },
    },
  };
}

/** Every compression check, in report order. */
export const COMPRESSION_CHECKS: readonly Check[] = [negotiation, echoCheck("text"), echoCheck("binary")];
