import zlib from "node:zlib";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { RawConn, type MessageSink } from "./conn.ts";
import { compressedClientFrame, DeflateCodec, DEFLATE_TAIL, deflateClientFrames, parseDeflateResponse, type DeflateParams } from "./deflate.ts";
import { encodeClientFrame } from "./encode.ts";
import { FrameParser } from "./parser.ts";

const TAKEOVER: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
const NO_TAKEOVER: DeflateParams = { ...TAKEOVER, serverNoContextTakeover: true, clientNoContextTakeover: true };
const tick = (i: number) =>
  Buffer.from(JSON.stringify({ seq: i, ts: 1_000_000 + i, sym: "BTC-USD", price: 100 + (i % 7) / 8, qty: 1 + (i % 3), side: i % 2 ? "buy" : "sell" }));

describe("parseDeflateResponse", () => {
  it("reads the accepted parameters and defaults the rest", () => {
    const head = "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=12";
    expect(parseDeflateResponse(head)).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 12,
    });
  });
  it("returns null when the server did not accept the extension", () => {
    expect(parseDeflateResponse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket")).toBeNull();
  });
  it("rejects an unknown parameter, a bad window and an extension that was not offered", () => {
    expect(parseDeflateResponse("HTTP/1.1 101 x\r\nsec-websocket-extensions: permessage-deflate; foo")).toMatch(/unknown permessage-deflate parameter "foo"/);
    expect(parseDeflateResponse("HTTP/1.1 101 x\r\nSec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16")).toMatch(/expected 8–15/);
    expect(parseDeflateResponse("HTTP/1.1 101 x\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame")).toMatch(/not offered/);
  });
});

describe("DeflateCodec", () => {
  it("round-trips a sequence of messages with context takeover, and later repeats compress smaller than the first", () => {
    const client = new DeflateCodec(TAKEOVER);
    // The peer: a codec whose inflater reads what `client` deflates (the same stream a server would inflate).
    const peer = new DeflateCodec(TAKEOVER);
    const sizes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const z = client.deflate(tick(i));
      sizes.push(z.length);
      expect(peer.inflate(z).equals(tick(i))).toBe(true);
    }
    // With its window carried over, the 50th tick refers back to the earlier ones.
    expect(sizes[49]!).toBeLessThan(sizes[0]! / 2);
    client.close();
    peer.close();
  });

  it("without context takeover every message inflates on its own and the same payload compresses to the same bytes", () => {
    const c = new DeflateCodec(NO_TAKEOVER);
    const a = c.deflate(tick(1));
    const b = c.deflate(tick(1));
    expect(b.equals(a)).toBe(true);
    expect(zlib.inflateRawSync(Buffer.concat([b, DEFLATE_TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).equals(tick(1))).toBe(true);
    c.close();
  });

  it("strips the sync-flush tail from what it sends and inflates the empty message", () => {
    const c = new DeflateCodec(TAKEOVER);
    const z = c.deflate(Buffer.alloc(0));
    expect(z.subarray(-4).equals(DEFLATE_TAIL)).toBe(false);
    expect(new DeflateCodec(TAKEOVER).inflate(z).length).toBe(0);
    c.close();
  });

  it("re-encodes pre-built frames as compressed frames with RSV1", () => {
    const c = new DeflateCodec(NO_TAKEOVER);
    const frames = Buffer.concat([encodeClientFrame(tick(1), 1), encodeClientFrame(Buffer.alloc(300, 7), 2)]);
    const z = deflateClientFrames(frames, frames.length, c);
    expect(z[0]! & 0xf0).toBe(0xc0);
    const second = 2 + 4 + (z[1]! & 0x7f);
    expect(z[second]!).toBe(0xc2);
    expect(z.equals(Buffer.concat([compressedClientFrame(1, c.deflate(tick(1))), compressedClientFrame(2, c.deflate(Buffer.alloc(300, 7)))]))).toBe(true);
    c.close();
  });
});

describe("FrameParser with permessage-deflate", () => {
  /** Server frames: compressed when rsv1. */
  const serverFrame = (payload: Buffer, op: number, fin: boolean, rsv1: boolean) => {
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0, len]) : Buffer.from([0, 126, len >> 8, len & 0xff]);
    head[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | op;
    return Buffer.concat([head, payload]);
  };

  it("inflates whole, split and fragmented compressed messages in order, and passes uncompressed ones through", () => {
    const server = new DeflateCodec(TAKEOVER);
    const client = new DeflateCodec(TAKEOVER);
    const got: string[] = [];
    const p = new FrameParser(
      {
        onMessage: (_op, b, off, avail) => got.push(b.toString("utf8", off, off + avail)),
        onControl: () => {},
        onProtocolError: (r) => got.push(`error: ${r}`),
      },
      256,
    );
    p.setInflate((d) => client.inflate(d));
    const z1 = server.deflate(tick(1));
    const z2 = server.deflate(tick(2));
    const z3 = server.deflate(tick(3));
    const whole = serverFrame(z1, 1, true, true);
    const split = serverFrame(z2, 1, true, true);
    const fragA = serverFrame(z3.subarray(0, 5), 1, false, true);
    const fragB = serverFrame(z3.subarray(5), 0, true, false);
    const plain = serverFrame(tick(4), 1, true, false);
    const all = Buffer.concat([whole, split, fragA, fragB, plain]);
    const cut = whole.length + 3;
    p.feed(all, 0, cut);
    p.feed(all, cut, all.length);
    expect(got).toEqual([tick(1), tick(2), tick(3), tick(4)].map(String));
  });

  it("fails on RSV1 when the extension was not negotiated", () => {
    const errors: string[] = [];
    const p = new FrameParser({ onMessage: () => {}, onControl: () => {}, onProtocolError: (r) => errors.push(r) });
    const f = Buffer.from([0xc1, 1, 0]);
    p.feed(f, 0, f.length);
    expect(errors[0]).toMatch(/reserved bits/);
  });
});

describe("RawConn against ws with permessage-deflate", () => {
  let wss: WebSocketServer;
  let port: number;
  beforeAll(async () => {
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: { threshold: 0 } });
    wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary, compress: true })));
    await new Promise<void>((res) => wss.once("listening", () => res()));
    port = (wss.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((res) => wss.close(() => res())));

  const open = async (deflate: boolean) => {
    const got: Buffer[] = [];
    const recvBuf = Buffer.alloc(64 * 1024);
    const sink: MessageSink = { beginChunk() {}, onMessage: (_op, b, off, avail) => got.push(Buffer.from(b.subarray(off, off + avail))), endChunk() {} };
    const wire = { wireBytesReceivedTotal: 0 };
    const c = new RawConn({ host: "127.0.0.1", port, path: "/", recvBuf, captureBytes: 1 << 20, sink, deflate, wire });
    await c.opened;
    return { c, got, wire };
  };

  it("negotiates, sends compressed frames with context takeover and reads the compressed echoes back intact", async () => {
    const { c, got, wire } = await open(true);
    expect(c.codec).not.toBeNull();
    const sent = [tick(1), tick(2), Buffer.alloc(200_000, "a"), tick(3)];
    for (const m of sent) c.write(compressedClientFrame(1, c.codec!.deflate(m)));
    for (let i = 0; i < 100 && got.length < sent.length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got.map(String)).toEqual(sent.map(String));
    // 200 kB of one letter crosses the wire in far fewer bytes than it holds.
    expect(wire.wireBytesReceivedTotal).toBeLessThan(10_000);
    c.close();
  });

  it("does not offer the extension unless asked, and gets plain frames", async () => {
    const { c, got } = await open(false);
    expect(c.codec).toBeNull();
    c.write(encodeClientFrame(tick(5), 1));
    for (let i = 0; i < 100 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(String(got[0])).toBe(String(tick(5)));
    c.close();
  });
});
