import { describe, expect, it } from "vitest";
import { readFrameHeader } from "./frame-header.ts";

describe("readFrameHeader", () => {
  it("returns null until the header (extended length included) is complete", () => {
    expect(readFrameHeader(Buffer.from([0x81]))).toBeNull();
    expect(readFrameHeader(Buffer.from([0x82, 126, 0x01]))).toBeNull();
    expect(readFrameHeader(Buffer.from([0x82, 127, 0, 0, 0, 0]))).toBeNull();
  });

  it("reads FIN, opcode, the 7-, 16- and 64-bit lengths and skips the mask key", () => {
    expect(readFrameHeader(Buffer.from([0x81, 5]))).toEqual({ fin: true, opcode: 1, masked: false, payloadStart: 2, length: 5 });
    expect(readFrameHeader(Buffer.from([0x02, 126, 0x01, 0x00]))).toEqual({ fin: false, opcode: 2, masked: false, payloadStart: 4, length: 256 });
    const h = Buffer.from([0x88, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4]);
    expect(readFrameHeader(h)).toEqual({ fin: true, opcode: 8, masked: true, payloadStart: 14, length: 65536 });
  });
});
