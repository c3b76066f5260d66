import { describe, expect, it } from "vitest";
import {
  BINARY_TICK_BYTES,
  DEFAULT_LIMITS,
  decodeBinaryTick,
  decodeJsonTick,
  encodeBinaryTick,
  encodeJsonTick,
  limitsFromEnv,
  makeTick,
  parseStreamParams,
  tickIsIntact,
} from "./index.ts";

describe("tick codec", () => {
  it("round-trips a JSON tick with the fields in contract order", () => {
    const text = encodeJsonTick(7, 123456789);
    expect(text).toBe('{"seq":7,"ts":123456789,"sym":"BTC-USD","px":60003.5,"qty":0.08,"side":"sell"}');
    expect(decodeJsonTick(text)).toEqual(makeTick(7, 123456789));
  });

  it.each([0, 50, 81, 82, 83, 200, 4096])("pads a JSON tick to at least %i bytes and stays valid", (size) => {
    const text = encodeJsonTick(3, 42, size);
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(size);
    expect(tickIsIntact(decodeJsonTick(text))).toBe(true);
    if (size > 100) expect(Buffer.byteLength(text)).toBe(size);
  });

  it.each([0, 40, 64, 1024])("encodes a binary tick of max(40, %i) bytes that decodes intact", (size) => {
    const buf = encodeBinaryTick(12345, 987654321012, size);
    expect(buf.byteLength).toBe(Math.max(BINARY_TICK_BYTES, size));
    const t = decodeBinaryTick(buf);
    expect(t).toEqual(makeTick(12345, 987654321012));
    expect(tickIsIntact(t)).toBe(true);
  });

  it("detects a corrupted tick and rejects a short binary frame", () => {
    const buf = encodeBinaryTick(10, 1);
    buf[17] = buf[17]! ^ 0xff;
    expect(tickIsIntact(decodeBinaryTick(buf))).toBe(false);
    expect(() => decodeBinaryTick(new Uint8Array(39))).toThrow(/expected at least 40/);
    expect(() => decodeJsonTick('{"seq":1}')).toThrow(/malformed JSON tick/);
  });
});

describe("limits and stream parameters", () => {
  it("uses the documented defaults for an empty environment", () => {
    expect(limitsFromEnv({})).toEqual(DEFAULT_LIMITS);
  });

  it("reads every limit from the environment and rejects invalid values with the variable name", () => {
    expect(limitsFromEnv({ WSARENA_MAX_PAYLOAD: "1024", WSARENA_BACKPRESSURE: "close", WSARENA_COMPRESSION: "1", WSARENA_MAX_CONNECTIONS: "2" })).toMatchObject(
      { maxPayloadBytes: 1024, backpressure: "close", compression: true, maxConnections: 2 },
    );
    expect(() => limitsFromEnv({ WSARENA_MAX_PAYLOAD: "-1" })).toThrow(/WSARENA_MAX_PAYLOAD=-1/);
    expect(() => limitsFromEnv({ WSARENA_BACKPRESSURE: "spill" })).toThrow(/drop, close or buffer/);
  });

  it("reads the ping interval (off by default) and the GC endpoint switch", () => {
    expect(limitsFromEnv({})).toMatchObject({ pingIntervalS: 0, gcEndpoint: false });
    expect(limitsFromEnv({ WSARENA_PING_INTERVAL_S: "5", WSARENA_GC_ENDPOINT: "1" })).toMatchObject({ pingIntervalS: 5, gcEndpoint: true });
    expect(() => limitsFromEnv({ WSARENA_PING_INTERVAL_S: "0.5" })).toThrow(/WSARENA_PING_INTERVAL_S=0.5: expected a non-negative integer/);
    expect(() => limitsFromEnv({ WSARENA_GC_ENDPOINT: "yes" })).toThrow(/WSARENA_GC_ENDPOINT=yes: expected 0 or 1/);
  });

  it("parses /stream parameters with defaults and rejects bad ones", () => {
    expect(parseStreamParams(new URLSearchParams(""))).toEqual({ format: "json", rate: 1000, count: 0, size: 0 });
    expect(parseStreamParams(new URLSearchParams("format=binary&rate=0&count=5&size=64"))).toEqual({ format: "binary", rate: 0, count: 5, size: 64 });
    expect(() => parseStreamParams(new URLSearchParams("format=xml"))).toThrow(/json or binary/);
    expect(() => parseStreamParams(new URLSearchParams("rate=-3"))).toThrow(/non-negative/);
  });
});
