import { describe, expect, it } from "vitest";
import * as wsLib from "ws";
import { Decoder, Encoder, PacketType } from "socket.io-parser";
import { FrameParser } from "./parser.ts";
import { buildSioTemplate, SioAdaptor } from "./sio.ts";
import { encodePayload, readPayloadHead, type PayloadHead } from "@wsarena/driver-kit";
import type { MessageSink, RawConn } from "./conn.ts";

type FrameFn = (data: Buffer, options: Record<string, unknown>) => Buffer[];
const frame = (wsLib as unknown as { Sender: { frame: FrameFn } }).Sender.frame;
const serverFrame = (data: Buffer | string, opcode: number): Buffer =>
  Buffer.concat(frame(Buffer.from(data), { fin: true, opcode, mask: false, readOnly: true, rsv1: false }));

/** Frames socket.io-parser's encoding of an event as a server would send it over Engine.IO v4 / WebSocket. */
function engineFrames(data: unknown[]): Buffer[] {
  const parts = new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data }) as (string | Buffer)[];
  return parts.map((p) => (typeof p === "string" ? serverFrame(`4${p}`, 1) : serverFrame(p, 2)));
}

function adaptorWith(event: string): { a: SioAdaptor; got: { opcode: number; bytes: Buffer; totalLen: number }[]; written: Buffer[] } {
  const got: { opcode: number; bytes: Buffer; totalLen: number }[] = [];
  const inner: MessageSink = {
    beginChunk() {},
    endChunk() {},
    onMessage: (opcode, buf, off, avail, totalLen) => got.push({ opcode, bytes: Buffer.from(buf.subarray(off, off + avail)), totalLen }),
  };
  const a = new SioAdaptor(inner, event);
  const written: Buffer[] = [];
  a.conn = { write: (b: Buffer) => written.push(b) } as unknown as RawConn;
  return { a, got, written };
}

function feed(a: SioAdaptor, frames: Buffer[], capture = 128): void {
  const p = new FrameParser(
    {
      onMessage: (o, b, off, av, t) => a.onMessage(o, b, off, av, t),
      onControl() {},
      onProtocolError: (r) => {
        throw new Error(r);
      },
    },
    capture,
  );
  const all = Buffer.concat(frames);
  a.beginChunk();
  p.feed(all, 0, all.length);
  a.endChunk();
}

describe("Engine.IO / socket.io packets against socket.io-parser", () => {
  it("hands over the text argument of an event encoded by socket.io-parser", () => {
    const payload = encodePayload(64, false, 12, 3, 5_000_000_123);
    const { a, got } = adaptorWith("echo");
    feed(a, engineFrames(["echo", payload.toString("latin1")]));
    expect(got).toHaveLength(1);
    const h: PayloadHead = { seq: 0, sender: 0, tsNs: 0 };
    expect(readPayloadHead(got[0]!.bytes, 0, got[0]!.bytes.length, got[0]!.totalLen, false, 64, h)).toBe(true);
    expect(h).toEqual({ seq: 12, sender: 3, tsNs: 5_000_000_123 });
  });

  it("hands over the binary attachment of a binary event encoded by socket.io-parser", () => {
    const payload = encodePayload(64, true, 7, 1, 42);
    const { a, got } = adaptorWith("echo");
    feed(a, engineFrames(["echo", payload]));
    expect(got).toEqual([{ opcode: 2, bytes: payload, totalLen: 64 }]);
  });

  it("ignores other events, answers pings with pongs and the open packet with a connect", async () => {
    const { a, got, written } = adaptorWith("echo");
    feed(a, [serverFrame('0{"sid":"x","pingInterval":25000}', 1), serverFrame("2", 1), ...engineFrames(["other", "x"])]);
    expect(got).toEqual([]);
    expect(written.map((b) => b.subarray(6).toString())).toEqual(["40", "3"]);
    feed(a, [serverFrame('40{"sid":"y"}', 1)]);
    await expect(a.connected).resolves.toBeUndefined();
  });

  it("pre-encodes client events that socket.io-parser decodes to the same event and payload", async () => {
    for (const binary of [true, false]) {
      const t = buildSioTemplate(2, 64, binary, "pub", ["room-1"]);
      const unit = t.buf.subarray(0, t.frameBytes);
      // Zero masking key: the frame payloads are the plain packet bytes; split the unit into its frames.
      const packets: (string | Buffer)[] = [];
      const r = new (
        wsLib as unknown as { Receiver: new (o: object) => NodeJS.WritableStream & { on(e: "message", f: (d: Buffer, isBinary: boolean) => void): void } }
      ).Receiver({ isServer: true });
      r.on("message", (d, isBinary) => packets.push(isBinary ? Buffer.from(d) : d.toString()));
      r.write(unit);
      await new Promise((res) => setImmediate(res));
      const decoded: unknown[] = [];
      const dec = new Decoder();
      dec.on("decoded", (p: { data?: unknown }) => {
        decoded.push(p.data);
      });
      for (const p of packets) dec.add(typeof p === "string" ? p.slice(1) /* Engine.IO "4" */ : p);
      expect(decoded).toHaveLength(1);
      const [event, room, arg] = decoded[0] as [string, string, string | Buffer];
      expect([event, room]).toEqual(["pub", "room-1"]);
      expect(Buffer.from(arg as string, binary ? undefined : "latin1")).toEqual(t.buf.subarray(t.payloadOffset, t.payloadOffset + 64));
    }
  });
});
