import { describe, expect, it } from "vitest";
import { TopicRegistry, deliverEach } from "./index.ts";

describe("TopicRegistry", () => {
  it("counts a double subscription once and forgets an empty topic", () => {
    const reg = new TopicRegistry<string>();
    expect(reg.subscribe("a", "t")).toBe(true);
    expect(reg.subscribe("a", "t")).toBe(false);
    reg.subscribe("b", "t");
    expect([...reg.subscribers("t")!]).toEqual(["a", "b"]);
    expect(reg.unsubscribe("a", "t")).toBe(true);
    expect(reg.unsubscribe("a", "t")).toBe(false);
    expect(reg.unsubscribe("b", "t")).toBe(true);
    expect(reg.subscribers("t")).toBeUndefined();
    expect(reg.topicsOf("a").size).toBe(0);
  });

  it("unsubscribes a closing connection from every topic and returns them", () => {
    const reg = new TopicRegistry<object>();
    const a = {};
    const b = {};
    reg.subscribe(a, "x");
    reg.subscribe(a, "y");
    reg.subscribe(b, "y");
    expect([...reg.topicsOf(a)]).toEqual(["x", "y"]);
    reg.unsubscribeAll(a);
    expect(reg.subscribers("x")).toBeUndefined();
    expect([...reg.subscribers("y")!]).toEqual([b]);
    expect(reg.topicsOf(a).size).toBe(0);
  });

  it("keeps native subscriptions in step: once per change, and for every topic left on close", () => {
    const calls: string[] = [];
    const reg = new TopicRegistry<string>({ subscribe: (c, t) => calls.push(`+${c}${t}`), unsubscribe: (c, t) => calls.push(`-${c}${t}`) });
    reg.subscribe("a", "x");
    reg.subscribe("a", "x");
    reg.subscribe("a", "y");
    reg.unsubscribe("a", "x");
    reg.unsubscribe("a", "x");
    reg.unsubscribeAll("a");
    expect(calls).toEqual(["+ax", "+ay", "-ax", "-ay"]);
  });

  it("applies control messages and returns the reply", () => {
    const reg = new TopicRegistry<string>();
    expect(JSON.parse(reg.control("a", '{"op":"sub","topic":"t"}'))).toEqual({ op: "subscribed", topic: "t" });
    expect([...reg.subscribers("t")!]).toEqual(["a"]);
    expect(JSON.parse(reg.control("a", '{"op":"unsub","topic":"t"}'))).toEqual({ op: "unsubscribed", topic: "t" });
    expect(reg.subscribers("t")).toBeUndefined();
    expect(JSON.parse(reg.control("a", '{"op":"nope"}')).op).toBe("error");
  });

  it("delivers a fallback fan-out to each subscriber and counts who took it", () => {
    const seen: number[] = [];
    expect(deliverEach(new Set([1, 2, 3]), (n) => (seen.push(n), n !== 2))).toBe(2);
    expect(seen).toEqual([1, 2, 3]);
  });
});
