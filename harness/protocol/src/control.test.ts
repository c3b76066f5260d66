import { describe, expect, it } from "vitest";
import { CONTROL_NOT_JSON_REASON, CONTROL_UNKNOWN_REASON, NO_TOPIC_REASON, NO_TOPIC_REPLY, controlReply, parseControl } from "./index.ts";

describe("parseControl", () => {
  it("parses sub and unsub with a topic", () => {
    expect(parseControl('{"op":"sub","topic":"btc"}')).toEqual({ op: "sub", topic: "btc" });
    expect(parseControl('{"op":"unsub","topic":"btc"}')).toEqual({ op: "unsub", topic: "btc" });
  });

  it("turns text that is not JSON into the not-JSON error", () => {
    expect(parseControl('{"op":"sub"')).toEqual({ op: "error", reason: CONTROL_NOT_JSON_REASON });
  });

  it.each(['{"op":"bogus","topic":"x"}', '{"op":"sub"}', '{"op":"sub","topic":""}', '{"op":"sub","topic":7}', "null", "[1]"])(
    "turns %s into the unknown-control error",
    (text) => {
      expect(parseControl(text)).toEqual({ op: "error", reason: CONTROL_UNKNOWN_REASON });
    },
  );
});

describe("controlReply", () => {
  it("answers sub with subscribed, unsub with unsubscribed, an error with its reason", () => {
    expect(JSON.parse(controlReply({ op: "sub", topic: "t" }))).toEqual({ op: "subscribed", topic: "t" });
    expect(JSON.parse(controlReply({ op: "unsub", topic: "t" }))).toEqual({ op: "unsubscribed", topic: "t" });
    expect(JSON.parse(controlReply({ op: "error", reason: "r" }))).toEqual({ op: "error", reason: "r" });
  });

  it("serializes the no-topic error with the contract's reason", () => {
    expect(JSON.parse(NO_TOPIC_REPLY)).toEqual({ op: "error", reason: NO_TOPIC_REASON });
  });
});
