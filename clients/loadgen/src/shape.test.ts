import { createHash } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "./run-load.ts";

/** Payload bytes of the test load (text frames under 126 bytes: 2 header + 4 mask bytes + payload each). */
const SIZE = 64;
const FRAME_BYTES = 2 + 4 + SIZE;

/**
 * A raw TCP WebSocket echo server that records the size of every read after the upgrade: with TCP_NODELAY on the
 * client, each of its writes arrives as its own segment, so a read holds what one write sent (unless reads fall behind).
 */
function countingServer(): { server: Server; reads: number[] } {
  const reads: number[] = [];
  const server = createServer((sock: Socket) => {
    let upgraded = false;
    let buf = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      if (!upgraded) {
        const head = chunk.toString("latin1");
        const key = /Sec-WebSocket-Key: *(\S+)/i.exec(head)?.[1] ?? "";
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        upgraded = true;
        return;
      }
      reads.push(chunk.length);
      buf = Buffer.concat([buf, chunk]);
      // Echo every complete masked frame (payloads < 126 bytes) unmasked; a close frame ends the connection.
      while (buf.length >= 6 && buf.length >= 6 + (buf[1]! & 0x7f)) {
        const len = buf[1]! & 0x7f;
        const payload = Buffer.from(buf.subarray(6, 6 + len));
        for (let i = 0; i < len; i++) payload[i]! ^= buf[2 + (i % 4)]!;
        const op = buf[0]! & 0x0f;
        buf = buf.subarray(6 + len);
        if (op === 8) return void sock.end();
        sock.write(Buffer.concat([Buffer.from([0x80 | op, len]), payload]));
      }
    });
    sock.on("error", () => {});
  });
  return { server, reads };
}

describe("load shape against a real server on 127.0.0.1", () => {
  let url = "";
  let srv: ReturnType<typeof countingServer>;
  beforeAll(async () => {
    srv = countingServer();
    await new Promise<void>((res) => srv.server.listen(0, "127.0.0.1", res));
    url = `ws://127.0.0.1:${(srv.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((res) => srv.server.close(() => res())));

  /** Reads the server saw during one echo-open load, and the load's result. */
  async function readsOf(shape: "one-per-write" | "pipelined"): Promise<{ reads: number[]; shape: string | undefined; received: number }> {
    srv.reads.length = 0;
    const r = await runLoad({ url, mode: "echo-open", shape, connections: 1, rate: 4_000, size: SIZE, binary: false, durationMs: 1_000, warmupMs: 200 });
    return { reads: [...srv.reads], shape: r.options.shape, received: r.integrity.received };
  }

  it("one-per-write: each message reaches the server in its own write", async () => {
    const { reads, shape, received } = await readsOf("one-per-write");
    expect(shape).toBe("one-per-write");
    expect(received).toBeGreaterThan(3_000);
    // Data reads only (the close frame is smaller than a data frame).
    const data = reads.filter((n) => n >= FRAME_BYTES);
    const single = data.filter((n) => n === FRAME_BYTES).length / data.length;
    expect(single).toBeGreaterThan(0.8);
  }, 30_000);

  it("pipelined: every 1 ms tick writes its 4 due messages together", async () => {
    const { reads, shape, received } = await readsOf("pipelined");
    expect(shape).toBe("pipelined");
    expect(received).toBeGreaterThan(3_000);
    const data = reads.filter((n) => n >= FRAME_BYTES);
    const framesPerRead = data.reduce((a, n) => a + n, 0) / FRAME_BYTES / data.length;
    expect(framesPerRead).toBeGreaterThan(3);
  }, 30_000);
});
