import { describe, expect, it } from "vitest";
import { parseSioEvent, sioEvent, sioEventHead, sioEventPacket } from "./socket-io.ts";

describe("socket.io event packets", () => {
  it("encode the event name and its arguments after the 42 prefix", () => {
    expect(sioEvent("pub", ["room-1", "hi"])).toBe('42["pub","room-1","hi"]');
    expect(sioEvent("echo", [])).toBe('42["echo"]');
  });

  it("sioEventPacket gives the same packet from pre-encoded arguments", () => {
    const args = [{ format: "binary", rate: 5 }, "x"];
    expect(
      sioEventPacket(
        "stream",
        args.map((a) => JSON.stringify(a)),
      ),
    ).toBe(sioEvent("stream", args));
    expect(JSON.parse(sioEventPacket("stream", [JSON.stringify({ a: 1 })]).slice(2))).toEqual(["stream", { a: 1 }]);
  });

  it("sioEventHead starts the packet for one more argument, and parseSioEvent reads a packet back", () => {
    expect(`${sioEventHead("echo")}"x"]`).toBe(sioEvent("echo", ["x"]));
    expect(`${sioEventHead("pub", ["t"])}"x"]`).toBe(sioEvent("pub", ["t", "x"]));
    expect(parseSioEvent(sioEvent("msg", ["a", 1]))).toEqual(["msg", "a", 1]);
    expect(parseSioEvent('40{"sid":"x"}')).toBeNull();
  });
});
