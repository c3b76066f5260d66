import { describe, expect, it } from "vitest";
import * as wsLib from "ws";
import { FrameParser, OP } from "./parser.ts";

type FrameFn = (data: Buffer, options: Record<string, unknown>) => Buffer[];
const frame = (wsLib as unknown as { Sender: { frame: FrameFn } }).Sender.frame;

/** Server→client frames exactly as the ws library's Sender encodes them. */
function serverFrame(data: Buffer | string, opcode: number, fin = true): Buffer {
  return Buffer.concat(frame(Buffer.from(data), { fin, opcode, mask: false, readOnly: true, rsv1: false }));
}

interface Seen {
  kind: "msg" | "ctl";
  opcode: number;
  totalLen: number;
  head: string;
}

function parseChunks(chunks: Buffer[], capture = 16): { seen: Seen[]; errors: string[] } {
  const seen: Seen[] = [];
  const errors: string[] = [];
  const p = new FrameParser(
    {
      onMessage: (opcode, buf, off, avail, totalLen) => seen.push({ kind: "msg", opcode, totalLen, head: buf.toString("hex", off, off + avail) }),
      onControl: (opcode, buf, off, len) => seen.push({ kind: "ctl", opcode, totalLen: len, head: buf.toString("hex", off, off + len) }),
      onProtocolError: (r) => errors.push(r),
    },
    capture,
  );
  for (const c of chunks) p.feed(c, 0, c.length);
  return { seen, errors };
}

const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

// A stream mixing every case: short, 16-bit and 64-bit lengths, text and binary, a fragmented message with control
// frames interleaved between its fragments, an empty message, and a close.
const big16 = bytes(300, 1);
const big64 = bytes(70_000, 2);
const frag = [bytes(10, 3), bytes(130, 4), bytes(5, 5)];
const stream = Buffer.concat([
  serverFrame(bytes(20, 6), OP.binary),
  serverFrame("hello text", OP.text),
  serverFrame(big16, OP.binary),
  serverFrame(frag[0]!, OP.binary, false),
  serverFrame("ping-1", OP.ping),
  serverFrame(frag[1]!, OP.continuation, false),
  serverFrame("pong-1", OP.pong),
  serverFrame(frag[2]!, OP.continuation, true),
  serverFrame(big64, OP.binary),
  serverFrame(Buffer.alloc(0), OP.text),
  serverFrame(Buffer.from([0x03, 0xe8]), OP.close),
]);
const hex = (b: Buffer | string, n = 16): string => Buffer.from(b).subarray(0, n).toString("hex");
const expected: Seen[] = [
  { kind: "msg", opcode: 2, totalLen: 20, head: hex(bytes(20, 6)) },
  { kind: "msg", opcode: 1, totalLen: 10, head: hex("hello text") },
  { kind: "msg", opcode: 2, totalLen: 300, head: hex(big16) },
  { kind: "ctl", opcode: OP.ping, totalLen: 6, head: hex("ping-1") },
  { kind: "ctl", opcode: OP.pong, totalLen: 6, head: hex("pong-1") },
  { kind: "msg", opcode: 2, totalLen: 145, head: hex(Buffer.concat(frag)) },
  { kind: "msg", opcode: 2, totalLen: 70_000, head: hex(big64) },
  { kind: "msg", opcode: 1, totalLen: 0, head: "" },
  { kind: "ctl", opcode: OP.close, totalLen: 2, head: "03e8" },
];

describe("FrameParser on frames encoded by ws's Sender", () => {
  it("uses 7-bit, 16-bit and 64-bit length encodings in the fixture", () => {
    expect(serverFrame(bytes(20, 0), OP.binary)[1]).toBe(20);
    expect(serverFrame(big16, OP.binary)[1]).toBe(126);
    expect(serverFrame(big64, OP.binary)[1]).toBe(127);
  });

  it("reports every message, reassembled fragments and interleaved control frames from one chunk", () => {
    const { seen, errors } = parseChunks([stream]);
    expect(errors).toEqual([]);
    expect(seen).toEqual(expected);
  });

  it("gives the same result when the stream is split into two chunks at every byte offset", () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { seen, errors } = parseChunks([stream.subarray(0, cut), stream.subarray(cut)]);
      if (errors.length || seen.length !== expected.length) throw new Error(`split at ${cut}: ${errors.join(";")} ${seen.length} items`);
      expect(seen).toEqual(expected);
    }
  });

  it("gives the same result when fed one byte at a time", () => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(parseChunks(chunks).seen).toEqual(expected);
  });

  it("captures at most captureBytes of each message but reports its full length", () => {
    const { seen } = parseChunks([serverFrame(big16, OP.binary)], 4);
    expect(seen).toEqual([{ kind: "msg", opcode: 2, totalLen: 300, head: hex(big16, 4) }]);
  });

  it("rejects a masked server frame, a reserved opcode and a continuation without a message", () => {
    const masked = Buffer.concat(frame(Buffer.from("x"), { fin: true, opcode: 2, mask: true, readOnly: false, rsv1: false }));
    expect(parseChunks([masked]).errors[0]).toMatch(/masked/);
    expect(parseChunks([Buffer.from([0x83, 0x00])]).errors[0]).toMatch(/reserved data opcode 3/);
    expect(parseChunks([serverFrame("x", OP.continuation)]).errors[0]).toMatch(/continuation/);
    expect(parseChunks([Buffer.from([0x89, 0x7e, 0x00, 0x80])]).errors[0]).toMatch(/control frame payload/);
  });
});
