import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { RawConn, RECV_BUFFER_BYTES, type MessageSink } from "./conn.ts";

/** An unmasked server frame (FIN set) of `payload`, as a server writes it. */
function serverFrame(payload: Buffer, opcode = 2): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, payload]);
}

/** Waits until `cond` holds (polled), or fails after `ms`. */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe("RawConn receive counters against a real server", () => {
  let wss: WebSocketServer;
  let port: number;
  const serverSockets: Socket[] = [];
  beforeAll(async () => {
    wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    // The raw TCP socket under the ws connection: writes of whole frames the test controls byte for byte.
    wss.on("connection", (ws) => serverSockets.push((ws as unknown as { _socket: Socket })._socket));
    await new Promise<void>((r) => wss.on("listening", () => r()));
    port = (wss.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => wss.close(() => r())));

  it("counts every read, message and byte the server wrote, a message split over two writes once", async () => {
    const wire = { wireBytesReceivedTotal: 0, readsTotal: 0 };
    let messages = 0;
    let payloadBytes = 0;
    const sink: MessageSink = { beginChunk() {}, endChunk() {}, onMessage: (_op, _b, _o, _a, len) => void (messages++, (payloadBytes += len)) };
    const conn = new RawConn({ host: "127.0.0.1", port, path: "/", recvBuf: Buffer.allocUnsafe(RECV_BUFFER_BYTES), captureBytes: 64, sink, wire });
    await conn.opened;
    await until(() => serverSockets.length === 1);
    const sock = serverSockets[0]!;
    let sentBytes = 0;
    let sentMessages = 0;
    let sentPayload = 0;
    let writes = 0;
    // One write per step, the next only once the client has read the previous one: each write is one read.
    const write = async (b: Buffer): Promise<void> => {
      sock.write(b);
      sentBytes += b.length;
      writes++;
      await until(() => wire.readsTotal === writes);
    };
    for (let k = 1; k <= 12; k++) {
      const frames = Array.from({ length: k }, (_, i) => serverFrame(Buffer.alloc(16 + ((i * 37) % 300), i)));
      sentMessages += k;
      sentPayload += frames.reduce((a, f) => a + f.length - (f[1] === 126 ? 4 : 2), 0);
      await write(Buffer.concat(frames));
    }
    const split = serverFrame(Buffer.alloc(1000, 7));
    await write(split.subarray(0, 3));
    await write(split.subarray(3));
    sentMessages += 1;
    sentPayload += 1000;
    expect(wire.readsTotal).toBe(writes);
    expect(wire.wireBytesReceivedTotal).toBe(sentBytes);
    expect(messages).toBe(sentMessages);
    expect(payloadBytes).toBe(sentPayload);
    conn.close(1000, false);
  });
});
