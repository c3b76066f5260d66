import { describe, expect, it } from "vitest";
import { sioEvent, sioEventPacket } from "./socket-io.ts";

describe("socket.io event packets", () => {
  it("encode the event name and its arguments after the 42 prefix", () => {
    expect(sioEvent("pub", ["room-1", "hi"])).toBe('42["pub","room-1","hi"]');
    expect(sioEvent("echo", [])).toBe('42["echo"]');
  });

  it("sioEventPacket gives the same packet from pre-encoded arguments", () => {
    const args = [{ format: "binary", rate: 5 }, "x"];
    expect(sioEventPacket("stream", args.map((a) => JSON.stringify(a)))).toBe(sioEvent("stream", args));
    expect(JSON.parse(sioEventPacket("stream", [JSON.stringify({ a: 1 })]).slice(2))).toEqual(["stream", { a: 1 }]);
  });
});
