// Bad-input checks: malformed frames get the RFC 6455 close codes, resets and bad parameters never take the server down.
import { CLOSE } from "@wsarena/protocol";
import { rawUpgrade, encodeFrame, FrameReader, OP, type FrameSpec } from "../clients/raw.ts";
import { SioConn, describeDisconnect } from "../clients/sio-conn.ts";
import { expect, http, sleep } from "../util.ts";
import { SIO_WS_PATH, withBystander } from "./common.ts";
import type { Check, CheckContext, CheckFn } from "../types.ts";

/** Time allowed for the server's close frame after bad input. */
export const BAD_INPUT_CLOSE_TIMEOUT_MS = 2_000;

/** Sends `frame` on a raw connection to the echo endpoint (socket.io: its WebSocket transport) and expects close `code`. */
function badFrame(frame: FrameSpec, code: number, what: string): CheckFn {
  return async (ctx: CheckContext) =>
    withBystander(ctx, ctx.server, what, async () => {
      const path = ctx.protocol === "socket.io" ? SIO_WS_PATH : "/echo";
      const up = await rawUpgrade(ctx.server.host, ctx.server.port, path);
      expect(up.status === 101, `upgrade of ${path} answered ${up.status}, expected 101`);
      const r = new FrameReader(up.socket);
      try {
        if (ctx.protocol === "socket.io") await sleep(50); // let engine.io send its open packet first
        up.socket.write(encodeFrame(frame));
        const got = await r.closeCodeWithin(BAD_INPUT_CLOSE_TIMEOUT_MS);
        expect(
          got === code,
          `after ${what} the server ${got === null ? "dropped the TCP connection without a close frame" : `sent close ${got}`}, expected close ${code}`,
        );
      } finally {
        up.socket.destroy();
      }
    });
}

const invalidUtf8: Check = {
  id: "bad-input.invalid-utf8",
  title: "closes with 1007 on a text frame with invalid UTF-8",
  description:
    "On a raw connection to /echo (socket.io: its WebSocket transport, where the same rule of RFC 6455 holds), sends a masked text frame with bytes C3 28 (invalid UTF-8): the server must send close 1007; another connection keeps echoing.",
  placement: "destructive",
  timeoutMs: 6_000,
  run: (() => {
    const fn = badFrame({ opcode: OP.text, payload: Buffer.from([0x68, 0x69, 0xc3, 0x28]) }, CLOSE.invalidPayload, "a text frame with invalid UTF-8");
    return { ws: fn, "socket.io": fn };
  })(),
};

const unmasked: Check = {
  id: "bad-input.unmasked-frame",
  title: "closes with 1002 on an unmasked client frame",
  description: 'On a raw connection, sends a text frame "hello" without the mask bit: the server must send close 1002; another connection keeps echoing.',
  placement: "destructive",
  timeoutMs: 6_000,
  run: (() => {
    const fn = badFrame({ opcode: OP.text, payload: Buffer.from("hello"), mask: false }, CLOSE.protocolError, "an unmasked client frame");
    return { ws: fn, "socket.io": fn };
  })(),
};

const reservedOpcode: Check = {
  id: "bad-input.reserved-opcode",
  title: "closes with 1002 on a frame with a reserved opcode",
  description: "On a raw connection, sends a masked frame with opcode 0x3 (reserved): the server must send close 1002; another connection keeps echoing.",
  placement: "destructive",
  timeoutMs: 6_000,
  run: (() => {
    const fn = badFrame({ opcode: 0x3, payload: Buffer.from("x") }, CLOSE.protocolError, "a frame with reserved opcode 0x3");
    return { ws: fn, "socket.io": fn };
  })(),
};

const reservedBits: Check = {
  id: "bad-input.reserved-bits",
  title: "closes with 1002 on a frame with RSV bits set and no extension negotiated",
  description:
    "On a raw connection without permessage-deflate, sends a text frame with RSV2 set: the server must send close 1002; another connection keeps echoing.",
  placement: "destructive",
  timeoutMs: 6_000,
  run: (() => {
    const fn = badFrame({ opcode: OP.text, payload: Buffer.from("x"), rsv: 0b010 }, CLOSE.protocolError, "a frame with RSV2 set");
    return { ws: fn, "socket.io": fn };
  })(),
};

const longControl: Check = {
  id: "bad-input.oversized-control-frame",
  title: "closes with 1002 on a control frame longer than 125 bytes",
  description:
    "On a raw connection, sends a ping with a 126-byte payload (control frames are limited to 125 bytes): the server must send close 1002; another connection keeps echoing.",
  placement: "destructive",
  timeoutMs: 6_000,
  run: (() => {
    const fn = badFrame({ opcode: OP.ping, payload: Buffer.alloc(126, 1) }, CLOSE.protocolError, "a 126-byte ping");
    return { ws: fn, "socket.io": fn };
  })(),
};

async function resetRun(ctx: CheckContext): Promise<void> {
  return withBystander(ctx, ctx.server, "other clients reset their TCP connections mid-frame", async () => {
    const path = ctx.protocol === "socket.io" ? SIO_WS_PATH : "/echo";
    for (let i = 0; i < 3; i++) {
      const up = await rawUpgrade(ctx.server.host, ctx.server.port, path);
      expect(up.status === 101, `upgrade of ${path} answered ${up.status}, expected 101`);
      const full = encodeFrame({ opcode: OP.binary, payload: Buffer.alloc(100_000, 7) });
      up.socket.write(full.subarray(0, 5000 + i * 1000));
      await sleep(30);
      up.socket.resetAndDestroy();
    }
    await sleep(100);
    const h = await http(`${ctx.server.httpUrl}/health`);
    expect(h.status === 200, `GET /health answered ${h.status} after TCP resets mid-frame, expected 200`);
  });
}

const tcpReset: Check = {
  id: "bad-input.tcp-reset-mid-frame",
  title: "keeps serving other connections after clients reset TCP mid-frame",
  description:
    "Three raw connections each send the first few KB of a 100 KB binary frame, then reset the TCP connection (socket.resetAndDestroy()); /health must still answer 200 and another connection keeps echoing.",
  placement: "destructive",
  timeoutMs: 6_000,
  run: { ws: resetRun, "socket.io": resetRun },
};

/** /stream queries that must be refused with HTTP 400. */
export const INVALID_STREAM_QUERIES = ["format=xml", "rate=-1", "rate=abc", "count=-5", "size=huge"] as const;

const streamParams: Check = {
  id: "bad-input.stream-params",
  title: "refuses a /stream upgrade with invalid parameters with HTTP 400",
  description: `Upgrades to /stream?${INVALID_STREAM_QUERIES.join(", /stream?")} must each be answered with HTTP 400; another connection keeps echoing. socket.io (parameters are an event argument, not an upgrade): \`stream\` with {format:"xml"} and with {rate:-1} must produce an \`op-error\` or a disconnect, never ticks.`,
  placement: "destructive",
  timeoutMs: 8_000,
  run: {
    ws: async (ctx) =>
      withBystander(ctx, ctx.server, "invalid /stream parameters", async () => {
        for (const q of INVALID_STREAM_QUERIES) {
          const up = await rawUpgrade(ctx.server.host, ctx.server.port, `/stream?${q}`);
          up.socket.destroy();
          expect(up.status === 400, `upgrade to /stream?${q} answered ${up.status}, expected HTTP 400`);
        }
      }),
    "socket.io": async (ctx) =>
      withBystander(ctx, ctx.server, "invalid stream parameters", async () => {
        const outcomes: string[] = [];
        for (const bad of [
          { format: "xml", rate: 10, count: 5, size: 0 },
          { format: "json", rate: -1, count: 5, size: 0 },
        ]) {
          const c = await SioConn.connect(ctx.server.httpUrl);
          try {
            c.emit("stream", bad);
            const e = await Promise.race([
              c.next(1_500, "op-error").then((ev) => `op-error ${JSON.stringify(ev.args[0])}`),
              c.disconnected.then((d) => `disconnect (${describeDisconnect(d)})`),
            ]);
            const ticks = (await c.drainFor(100)).filter((x) => x.name === "tick");
            expect(ticks.length === 0, `\`stream\` ${JSON.stringify(bad)} produced ${ticks.length} tick(s); invalid parameters must be refused`);
            outcomes.push(e);
          } catch (err) {
            throw new Error(`\`stream\` ${JSON.stringify(bad)}: ${(err as Error).message}; expected an op-error or a disconnect`);
          } finally {
            c.close();
          }
        }
        return outcomes.join("; ");
      }),
  },
};

export const BAD_INPUT_CHECKS: readonly Check[] = [invalidUtf8, unmasked, reservedOpcode, reservedBits, longControl, tcpReset, streamParams];
