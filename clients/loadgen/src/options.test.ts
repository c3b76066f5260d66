import { describe, expect, it } from "vitest";
import { cpuCount, DEFAULT_CONNECTIONS, DEFAULT_WINDOW, OptionsError, resolveOptions } from "./options.ts";
import { parseDurationMs } from "./cli-args.ts";
import { planTasks, split } from "./run-load.ts";

describe("options", () => {
  it("applies the named defaults and never mutates the input", () => {
    const input = Object.freeze({ url: "ws://127.0.0.1:1" });
    const o = resolveOptions(input);
    expect(o.connections).toBe(DEFAULT_CONNECTIONS);
    expect(o.window).toBe(DEFAULT_WINDOW);
    expect(o.protocol).toBe("ws");
    expect(resolveOptions({ url: "ws://127.0.0.1:1", driver: "socket.io" }).protocol).toBe("socket.io");
  });

  it("rejects bad values with a message naming the option and what was expected", () => {
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", size: 10 })).toThrow(OptionsError);
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", size: 10 })).toThrow(/size=10: .*at least 20 bytes/);
    expect(() => resolveOptions({ url: "http:/x" })).toThrow(/expected ws:\/\/HOST:PORT/);
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", driver: "ws", protocol: "socket.io" })).toThrow(/needs driver frame or socket.io/);
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", mode: "connections", connections: 60_000 })).toThrow(/source addresses/);
  });

  it("hands deflate to every worker's task with the frame driver and refuses it for the library drivers", () => {
    const o = resolveOptions({ url: "ws://127.0.0.1:1", deflate: true });
    expect(planTasks(o, 2).map((t) => t.deflate)).toEqual([true, true]);
    expect(planTasks(resolveOptions({ url: "ws://127.0.0.1:1" }), 1)[0]!.deflate).toBeUndefined();
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", driver: "ws", deflate: true })).toThrow(/only the frame driver speaks permessage-deflate/);
  });

  it("parses cpu lists and durations", () => {
    expect(cpuCount("1")).toBe(1);
    expect(cpuCount("0-3,6")).toBe(5);
    expect(() => cpuCount("a")).toThrow(OptionsError);
    expect(parseDurationMs("d", "5s")).toBe(5000);
    expect(parseDurationMs("d", "250ms")).toBe(250);
    expect(parseDurationMs("d", "2m")).toBe(120_000);
    expect(() => parseDurationMs("d", "5 sec")).toThrow(/expected a duration/);
  });
});

describe("planTasks", () => {
  it("splits connections and rate over workers and numbers connections globally", () => {
    expect(split(10, 3)).toEqual([4, 3, 3]);
    const o = resolveOptions({ url: "ws://127.0.0.1:1", mode: "echo-open", connections: 10, rate: 1000, sourceAddresses: 2 });
    const t = planTasks(o, 3);
    expect(t.map((x) => [x.connections, x.connectionOffset, x.ratePerSec])).toEqual([[4, 0, 400], [3, 4, 300], [3, 7, 300]]);
    expect(t[0]!.sourceAddresses).toEqual(["127.0.0.1", "127.0.0.2"]);
  });

  it("gives publishers globally unique ids and the publish rate to the workers that publish", () => {
    const o = resolveOptions({ url: "ws://127.0.0.1:1", mode: "pubsub", rate: 900, pubsub: { subscribers: 5, publishers: 3, topic: "t" } });
    const t = planTasks(o, 2);
    expect(t.map((x) => [x.pubsub.subscribers, x.pubsub.publishers, x.pubsub.publisherOffset, x.ratePerSec])).toEqual([[3, 2, 0, 600], [2, 1, 2, 300]]);
  });
});
