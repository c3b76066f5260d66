// Echo checks: fidelity at frame-length boundaries, opcode preserved, multibyte UTF-8, pipelining order, fragmentation.
import { WsConn, expectEcho } from "../clients/ws-conn.ts";
import { SioConn, expectSioEcho, describeValue } from "../clients/sio-conn.ts";
import { rawUpgrade, encodeFrame, FrameReader, OP } from "../clients/raw.ts";
import { binaryPayload, multibyteText, textPayload, expect } from "../util.ts";
import { wsUrl } from "./common.ts";
import type { Check } from "../types.ts";

/** Payload sizes echoed: the WebSocket length-encoding boundaries (125/126, 65535/65536) and 1 MiB. */
export const ECHO_SIZES = [0, 1, 125, 126, 65535, 65536, 1048576] as const;
/** Messages sent back to back without waiting in the pipelining check. */
export const PIPELINED_MESSAGES = 10_000;
/** Smoke runs echo these sizes only. */
const SMOKE_SIZES: ReadonlySet<number> = new Set([126, 65536]);

function sizeCheck(kind: "text" | "binary", n: number): Check {
  const payload = () => (kind === "text" ? textPayload(n, 3) : binaryPayload(n, 3));
  return {
    id: `echo.${kind}-${n}`,
    title: `echoes a ${n}-byte ${kind} message unchanged, as ${kind}`,
    description: `Sends one ${n}-byte ${kind} message on /echo and expects the identical bytes back in a ${kind} frame (socket.io: an \`echo\` event whose one argument is the identical ${kind === "text" ? "string" : "buffer"}).`,
    placement: "shared",
    smoke: SMOKE_SIZES.has(n),
    timeoutMs: 8_000,
    run: {
      ws: async (ctx) => {
        const c = await WsConn.open(wsUrl(ctx.server, "/echo"));
        try {
          await expectEcho(c, payload(), 5_000);
        } finally {
          await c.close();
        }
      },
      "socket.io": async (ctx) => {
        const c = await SioConn.connect(ctx.server.httpUrl);
        try {
          await expectSioEcho(c, payload(), 5_000);
        } finally {
          c.close();
        }
      },
    },
  };
}

const multibyte: Check = {
  id: "echo.text-utf8-multibyte",
  title: "echoes text with 2-, 3- and 4-byte UTF-8 characters unchanged",
  description:
    'Sends "é€😀𝄞" and a ~70 KB string mixing 1- to 4-byte UTF-8 characters (crossing the 64 KiB length boundary) on /echo; expects each back as identical text.',
  placement: "shared",
  smoke: true,
  timeoutMs: 8_000,
  run: {
    ws: async (ctx) => {
      const c = await WsConn.open(wsUrl(ctx.server, "/echo"));
      try {
        await expectEcho(c, "é€😀𝄞", 3_000);
        await expectEcho(c, multibyteText(70_000), 3_000);
      } finally {
        await c.close();
      }
    },
    "socket.io": async (ctx) => {
      const c = await SioConn.connect(ctx.server.httpUrl);
      try {
        await expectSioEcho(c, "é€😀𝄞", 3_000);
        await expectSioEcho(c, multibyteText(70_000), 3_000);
      } finally {
        c.close();
      }
    },
  },
};

function pipelinedPayload(i: number): string | Buffer {
  if (i % 2 === 0) return `p${i}`;
  const b = Buffer.alloc(4);
  b.writeUInt32LE(i);
  return b;
}

function describeMismatch(i: number, isBinary: boolean, data: Buffer): string {
  const exp = pipelinedPayload(i);
  const expIsBinary = typeof exp !== "string";
  if (isBinary !== expIsBinary) return `message ${i} came back as ${isBinary ? "binary" : "text"}, expected ${expIsBinary ? "binary" : "text"}`;
  const got = isBinary ? (data.byteLength === 4 ? `#${data.readUInt32LE(0)}` : `${data.byteLength} bytes`) : JSON.stringify(data.toString().slice(0, 20));
  return `message ${i} came back as ${got}, expected ${expIsBinary ? `#${i}` : JSON.stringify(exp)} (out of order, lost or duplicated)`;
}

const pipelined: Check = {
  id: "echo.pipelined-10000",
  title: `returns ${PIPELINED_MESSAGES} pipelined messages exactly once and in order`,
  description: `Sends ${PIPELINED_MESSAGES} messages back to back without waiting (alternating text "p<i>" and 4-byte binary <i>) and expects exactly ${PIPELINED_MESSAGES} echoes in the same order with the same opcodes, and nothing more within 200 ms.`,
  placement: "shared",
  timeoutMs: 20_000,
  run: {
    ws: async (ctx) => {
      const c = await WsConn.open(wsUrl(ctx.server, "/echo"));
      try {
        for (let i = 0; i < PIPELINED_MESSAGES; i++) c.send(pipelinedPayload(i));
        for (let i = 0; i < PIPELINED_MESSAGES; i++) {
          const m = await c.next(10_000, `echo ${i} of ${PIPELINED_MESSAGES}`);
          const exp = pipelinedPayload(i);
          const ok = typeof exp === "string" ? !m.isBinary && m.data.toString() === exp : m.isBinary && m.data.equals(exp);
          if (!ok) throw new Error(describeMismatch(i, m.isBinary, m.data));
          if (i % 1000 === 0) ctx.checkAborted();
        }
        const extra = await c.drainFor(200);
        expect(extra.length === 0, `${extra.length} extra messages arrived after all ${PIPELINED_MESSAGES} echoes (duplicates)`);
      } finally {
        await c.close();
      }
    },
    "socket.io": async (ctx) => {
      const c = await SioConn.connect(ctx.server.httpUrl);
      try {
        for (let i = 0; i < PIPELINED_MESSAGES; i++) c.emit("echo", pipelinedPayload(i));
        for (let i = 0; i < PIPELINED_MESSAGES; i++) {
          const e = await c.next(10_000, "echo", `echo ${i} of ${PIPELINED_MESSAGES}`);
          const exp = pipelinedPayload(i);
          const got = e.args[0];
          const ok = typeof exp === "string" ? got === exp : got instanceof Uint8Array && Buffer.from(got).equals(exp);
          if (!ok) throw new Error(`echo ${i} came back as ${describeValue(got)}, expected ${describeValue(exp)} (out of order, lost or duplicated)`);
          if (i % 1000 === 0) ctx.checkAborted();
        }
        const extra = await c.drainFor(200);
        expect(extra.length === 0, `${extra.length} extra events arrived after all ${PIPELINED_MESSAGES} echoes (duplicates)`);
      } finally {
        c.close();
      }
    },
  },
};

const fragmented: Check = {
  id: "echo.fragmented",
  title: "reassembles a fragmented message and echoes it as one message",
  description:
    "Over a raw connection to /echo, sends a text message in three fragments (text, continuation, continuation+FIN) and a binary one in two; expects each back as one unfragmented frame with the whole payload and the same opcode.",
  notApplicable: {
    "socket.io":
      "socket.io messages are engine.io packets; WebSocket fragmentation is a transport detail below socket.io, covered by the ws checks of the same libraries",
  },
  placement: "shared",
  timeoutMs: 5_000,
  run: {
    ws: async (ctx) => {
      const up = await rawUpgrade(ctx.server.host, ctx.server.port, "/echo");
      expect(up.status === 101, `upgrade of /echo answered ${up.status}, expected 101`);
      const r = new FrameReader(up.socket);
      try {
        const enc = (s: string) => Buffer.from(s);
        up.socket.write(encodeFrame({ opcode: OP.text, payload: enc("frag"), fin: false }));
        up.socket.write(encodeFrame({ opcode: OP.continuation, payload: enc("mented-"), fin: false }));
        up.socket.write(encodeFrame({ opcode: OP.continuation, payload: enc("é"), fin: true }));
        const t = await r.nextDataFrame(2_000);
        expect(t.opcode === OP.text && t.fin, `expected one text frame with FIN, got opcode ${t.opcode} fin ${t.fin}`);
        expect(t.payload.toString() === "fragmented-é", `reassembled text came back as ${JSON.stringify(t.payload.toString())}, expected "fragmented-é"`);
        const bin = binaryPayload(300, 9);
        up.socket.write(encodeFrame({ opcode: OP.binary, payload: bin.subarray(0, 100), fin: false }));
        up.socket.write(encodeFrame({ opcode: OP.continuation, payload: bin.subarray(100), fin: true }));
        const b = await r.nextDataFrame(2_000);
        expect(b.opcode === OP.binary && b.fin, `expected one binary frame with FIN, got opcode ${b.opcode} fin ${b.fin}`);
        expect(b.payload.equals(bin), `reassembled binary came back with ${b.payload.byteLength} bytes (expected the 300 bytes sent)`);
      } finally {
        up.socket.destroy();
      }
    },
  },
};

export const ECHO_CHECKS: readonly Check[] = [
  ...(["text", "binary"] as const).flatMap((k) => ECHO_SIZES.map((n) => sizeCheck(k, n))),
  multibyte,
  pipelined,
  fragmented,
];
