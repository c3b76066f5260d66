import { describe, expect, it } from "vitest";
import { TopicRegistry } from "./index.ts";

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
    expect(reg.unsubscribeAll(a)).toEqual(["x", "y"]);
    expect(reg.subscribers("x")).toBeUndefined();
    expect([...reg.subscribers("y")!]).toEqual([b]);
    expect(reg.unsubscribeAll(a)).toEqual([]);
  });
});
