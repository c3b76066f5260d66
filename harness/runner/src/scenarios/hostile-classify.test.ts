import { describe, expect, it } from "vitest";
import { OPCODE, closePayload, encodeRawFrame, expectFrames, HOSTILE_CLASSES, hostileInputs, type HostileInput, classifyOutcome } from "@wsarena/hostile";
import { hostileDetails, hostileFailures } from "./hostile.ts";

const MAX = 16 * 1024 * 1024;
const read = (...fs: Parameters<typeof encodeRawFrame>[0][]) => expectFrames(Buffer.concat(fs.map(encodeRawFrame)), MAX);
const input = (...fs: Parameters<typeof encodeRawFrame>[0][]): Pick<HostileInput, "expect"> => ({ expect: read(...fs) });

describe("reference reading of frames (expectFrames)", () => {
  it("expects an echo for a valid masked text frame and none for an unfinished one", () => {
    expect(read({ opcode: OPCODE.text, payload: Buffer.from("hi") }).allowed).toEqual(["echo"]);
    expect(read({ opcode: OPCODE.text, payload: Buffer.from("hi"), declaredLength: 10n }).allowed).toEqual(["none"]);
  });

  it("names the rule each fault breaks, with its close code", () => {
    const cases: Array<[Parameters<typeof encodeRawFrame>[0][], string, string]> = [
      [[{ opcode: OPCODE.text, payload: Buffer.from("x"), rsv: 2 }], "bad-input.reserved-bits", "close:1002"],
      [[{ opcode: 0x3, payload: Buffer.from("x") }], "bad-input.reserved-opcode", "close:1002"],
      [[{ opcode: OPCODE.text, payload: Buffer.from("x"), mask: false }], "bad-input.unmasked-frame", "close:1002"],
      [[{ opcode: OPCODE.binary, payload: Buffer.alloc(0), declaredLength: (1n << 64n) - 1n }], "bad-input.length-64bit-msb", "close:1002"],
      [[{ opcode: OPCODE.binary, payload: Buffer.alloc(0), declaredLength: (1n << 63n) - 1n }], "bad-input.length-max-63bit", "close:1009"],
      [[{ opcode: OPCODE.binary, payload: Buffer.alloc(0), declaredLength: BigInt(MAX) + 1n }], "bad-input.length-over-max-payload", "close:1009"],
      [[{ opcode: OPCODE.ping, fin: false, payload: Buffer.from("x") }], "bad-input.fragmented-control-frame", "close:1002"],
      [[{ opcode: OPCODE.continuation, payload: Buffer.from("x") }], "bad-input.orphan-continuation", "close:1002"],
      [
        [
          { opcode: OPCODE.text, fin: false, payload: Buffer.from("a") },
          { opcode: OPCODE.binary, payload: Buffer.from("b") },
        ],
        "bad-input.data-mid-fragment",
        "close:1002",
      ],
      [[{ opcode: OPCODE.text, payload: Buffer.from([0xc3, 0x28]) }], "bad-input.invalid-utf8", "close:1007"],
      [[{ opcode: OPCODE.close, payload: Buffer.from([1]) }], "bad-input.close-1-byte-payload", "close:1002"],
      [[{ opcode: OPCODE.close, payload: closePayload(1005) }], "bad-input.close-bad-code", "close:1002"],
      [[{ opcode: OPCODE.close, payload: closePayload(1000, Buffer.from([0xff])) }], "bad-input.close-invalid-utf8-reason", "close:1007"],
    ];
    for (const [frames, check, code] of cases) {
      const e = read(...frames);
      expect(e.faults[0]?.check, check).toBe(check);
      expect(e.allowed, check).toContain(code);
    }
  });

  it("lets a server wait for the payload of a faulty frame, but not for one announcing more than the limit", () => {
    expect(read({ opcode: OPCODE.text, payload: Buffer.from("x"), rsv: 4, declaredLength: 50n }).allowed).toEqual(["close:1002", "none"]);
    expect(read({ opcode: OPCODE.text, payload: Buffer.from("x"), rsv: 4 }).allowed).toEqual(["close:1002"]);
    expect(read({ opcode: OPCODE.binary, payload: Buffer.alloc(0), declaredLength: BigInt(MAX) + 1n }).allowed).toEqual(["close:1009"]);
  });

  it("allows 1002 for a trailing byte that already breaks a rule, and only then", () => {
    const frame = encodeRawFrame({ opcode: OPCODE.binary, payload: Buffer.from("ok") });
    expect(expectFrames(Buffer.concat([frame, Buffer.from([0x71])]), MAX).allowed).toEqual(["echo", "close:1002"]); // RSV bits set
    expect(expectFrames(Buffer.concat([frame, Buffer.from([0x82])]), MAX).allowed).toEqual(["echo"]); // a valid first byte
  });

  it("names the faults of a trailing partial header, so a documented deviation can match them", () => {
    const frame = encodeRawFrame({ opcode: OPCODE.text, payload: Buffer.from("ok") });
    const e = expectFrames(Buffer.concat([frame, Buffer.from([0x71, 0x7e, 0x20])]), MAX); // RSV set, unmasked, 16-bit length cut short
    expect(e.faults.map((f) => f.check)).toEqual(["bad-input.reserved-bits", "bad-input.unmasked-frame"]);
    expect(e.dataBeforeFault).toBe(true);
    expect(classifyOutcome({ expect: e }, "tcp-close", "ws", new Map([["bad-input.reserved-bits", "drops TCP"]])).verdict).toBe("deviation");
    expect(classifyOutcome({ expect: e }, "tcp-close", "ws", new Map()).verdict).toBe("unexpected");
  });

  it("accepts invalid UTF-8 split across fragments only when the message completes", () => {
    const first = { opcode: OPCODE.text, fin: false, payload: Buffer.from([0x61, 0xc3]) };
    expect(read(first).faults).toEqual([]);
    expect(read(first, { opcode: OPCODE.continuation, payload: Buffer.from([0x28]) }).faults[0]?.check).toBe("bad-input.invalid-utf8");
    expect(read(first, { opcode: OPCODE.continuation, payload: Buffer.from([0xa9]) }).allowed).toEqual(["echo"]);
  });
});

describe("classifyOutcome", () => {
  const rsv = input({ opcode: OPCODE.text, payload: Buffer.from("x"), rsv: 4 });
  it("is the contract's when the outcome is allowed", () => {
    expect(classifyOutcome(rsv, "close:1002", "ws", new Map())).toEqual({ verdict: "contract", check: "bad-input.reserved-bits" });
  });
  it("is a deviation only when the stack documents the rule the input broke", () => {
    expect(classifyOutcome(rsv, "tcp-close", "ws", new Map([["bad-input.reserved-bits", "drops TCP"]]))).toEqual({
      verdict: "deviation",
      check: "bad-input.reserved-bits",
    });
    expect(classifyOutcome(rsv, "tcp-close", "ws", new Map([["bad-input.invalid-utf8", "drops TCP"]])).verdict).toBe("unexpected");
  });
  it("takes any close answer to a valid close frame", () => {
    expect(classifyOutcome(input({ opcode: OPCODE.close, payload: closePayload(1000) }), "close:1000", "ws", new Map()).verdict).toBe("contract");
    expect(classifyOutcome(input({ opcode: OPCODE.close, payload: closePayload(1000) }), "none", "ws", new Map()).verdict).toBe("unexpected");
  });
  it("on socket.io, takes any reaction to a faulty input only when a complete data message came first", () => {
    const before = expectFrames(
      Buffer.concat([
        encodeRawFrame({ opcode: OPCODE.text, payload: Buffer.from("not engine.io") }),
        encodeRawFrame({ opcode: OPCODE.text, payload: Buffer.from("x"), rsv: 4 }),
      ]),
      MAX,
    );
    expect(before.dataBeforeFault).toBe(true);
    expect(classifyOutcome({ expect: before }, "close:1005", "socket.io", new Map()).verdict).toBe("contract");
    expect(classifyOutcome({ expect: before }, "close:1005", "ws", new Map()).verdict).toBe("unexpected");
    expect(classifyOutcome(rsv, "close:1005", "socket.io", new Map()).verdict).toBe("unexpected");
  });
  it("does not take a dropped connection for an echo on ws", () => {
    expect(classifyOutcome(input({ opcode: OPCODE.binary, payload: Buffer.from("ok") }), "tcp-close", "ws", new Map()).verdict).toBe("unexpected");
  });
});

describe("hostileInputs", () => {
  const target = { hostHeader: "127.0.0.1:1", path: "/echo", maxPayloadBytes: MAX };
  it("gives the same inputs for the same seed and different ones for another", () => {
    const a = hostileInputs(7, { inputs: 300, slowloris: 2, halfOpen: 4 }, target);
    const b = hostileInputs(7, { inputs: 300, slowloris: 2, halfOpen: 4 }, target);
    const c = hostileInputs(8, { inputs: 300, slowloris: 2, halfOpen: 4 }, target);
    expect(a.map((i) => i.bytes.toString("hex"))).toEqual(b.map((i) => i.bytes.toString("hex")));
    expect(a.map((i) => i.bytes.toString("hex"))).not.toEqual(c.map((i) => i.bytes.toString("hex")));
  });
  it("covers every class with the planned count", () => {
    const a = hostileInputs(1, { inputs: 1000, slowloris: 4, halfOpen: 20 }, target);
    expect(a).toHaveLength(1000);
    expect(new Set(a.map((i) => i.cls))).toEqual(new Set(HOSTILE_CLASSES));
    expect(a.filter((i) => i.cls === "slowloris")).toHaveLength(4);
    expect(new Set(a.map((i) => i.id)).size).toBe(1000);
  });
});

describe("hostileFailures", () => {
  const pass = (over: Partial<Parameters<typeof hostileDetails>[2]> = {}) =>
    hostileDetails(1, 2, {
      inputsSent: 2,
      results: [
        { id: "a-0", cls: "unmasked", outcome: "close:1002", verdict: "contract", allowed: ["close:1002"] },
        { id: "b-0", cls: "unmasked", outcome: "tcp-close", verdict: "unexpected", allowed: ["close:1002"] },
      ],
      deaths: 0,
      bystanderFailures: [],
      rssBeforeBytes: 1e6,
      rssAfterBytes: 2e6,
      rssSamples: [],
      startedMs: 0,
      endedMs: 1,
      ...over,
    });
  it("fails a pass with an unexpected outcome, a death, a bystander failure or unbounded RSS", () => {
    expect(hostileFailures(pass()).join()).toMatch(/1 input\(s\) got an outcome/);
    expect(hostileFailures(pass({ deaths: 1 })).join()).toMatch(/died/);
    expect(hostileFailures(pass({ bystanderFailures: [{ afterInput: "a-0", error: "timeout" }] })).join()).toMatch(/bystander/);
    expect(hostileFailures(pass({ rssAfterBytes: 1e6 + 200 * 1048576 })).join()).toMatch(/RSS grew/);
  });
  it("passes a clean pass", () => {
    expect(
      hostileFailures(pass({ results: [{ id: "a-0", cls: "unmasked", outcome: "close:1002", verdict: "contract", allowed: ["close:1002"] }], inputsSent: 2 })),
    ).toEqual([]);
  });
});
