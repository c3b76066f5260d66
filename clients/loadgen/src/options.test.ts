import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpuCount, DEFAULT_LOAD_SHAPE, DEFAULT_CONNECTIONS, DEFAULT_WINDOW, OptionsError, resolveOptions } from "./options.ts";
import { parseDurationMs } from "./cli-args.ts";
import { planTasks, split } from "./run-load.ts";
import { topicOf, wsPath } from "@wsarena/driver-kit";

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

  it("gives echo-open the pipelined load shape by default, takes one-per-write when asked, hands the shape to every task, and refuses it elsewhere", () => {
    const open = resolveOptions({ url: "ws://127.0.0.1:1", mode: "echo-open" });
    expect(open.shape).toBe(DEFAULT_LOAD_SHAPE);
    expect(DEFAULT_LOAD_SHAPE).toBe("pipelined");
    expect(resolveOptions({ url: "ws://127.0.0.1:1", mode: "echo-open", shape: "one-per-write" }).shape).toBe("one-per-write");
    const piped = resolveOptions({ url: "ws://127.0.0.1:1", mode: "echo-open", shape: "pipelined" });
    expect(planTasks(piped, 2).map((t) => t.shape)).toEqual(["pipelined", "pipelined"]);
    expect(resolveOptions({ url: "ws://127.0.0.1:1", mode: "echo" }).shape).toBeUndefined();
    expect(planTasks(resolveOptions({ url: "ws://127.0.0.1:1" }), 1)[0]!.shape).toBeUndefined();
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", mode: "echo-open", shape: "bursty" as never })).toThrow(
      /shape "bursty": expected one-per-write or pipelined/,
    );
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", mode: "pubsub", shape: "pipelined" })).toThrow(/applies to mode echo-open only, not pubsub/);
  });

  it("wsarena-load --shape: a bad value exits 2 with what is expected", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./cli.ts", import.meta.url)), "--url", "ws://127.0.0.1:1", "--mode", "echo-open", "--shape", "bursty"],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('shape "bursty": expected one-per-write or pipelined');
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
    expect(t.map((x) => [x.connections, x.connectionOffset, x.ratePerSec])).toEqual([
      [4, 0, 400],
      [3, 4, 300],
      [3, 7, 300],
    ]);
    expect(t[0]!.sourceAddresses).toEqual(["127.0.0.1", "127.0.0.2"]);
  });

  it("gives publishers globally unique ids and the publish rate to the workers that publish", () => {
    const o = resolveOptions({ url: "ws://127.0.0.1:1", mode: "pubsub", rate: 900, pubsub: { subscribers: 5, publishers: 3, topic: "t" } });
    const t = planTasks(o, 2);
    expect(t.map((x) => [x.pubsub.subscribers, x.pubsub.publishers, x.pubsub.publisherOffset, x.ratePerSec])).toEqual([
      [3, 2, 0, 600],
      [2, 1, 2, 300],
    ]);
  });

  it("rooms: publishers keep global ids, each connection joins its room's topic, and only whole rooms are accepted", () => {
    const o = resolveOptions({ url: "ws://127.0.0.1:1", mode: "pubsub", rate: 10, pubsub: { subscribers: 0, publishers: 100, topic: "room", roomSize: 50 } });
    const t = planTasks(o, 2);
    expect(t.map((x) => [x.pubsub.publisherOffset, x.pubsub.roomSize])).toEqual([
      [0, 50],
      [50, 50],
    ]);
    expect([0, 49].map((i) => topicOf(t[0]!, i))).toEqual(["room-0", "room-0"]);
    expect([0, 49].map((i) => topicOf(t[1]!, i))).toEqual(["room-1", "room-1"]);
    expect(wsPath(t[1]!, 3)).toBe("/pubsub?topic=room-1");
    const base = { url: "ws://127.0.0.1:1", mode: "pubsub" as const, rate: 10 };
    expect(() => resolveOptions({ ...base, pubsub: { subscribers: 0, publishers: 75, topic: "r", roomSize: 50 } })).toThrow(/at most 50 or a multiple of 50/);
    expect(() => resolveOptions({ ...base, pubsub: { subscribers: 2, publishers: 50, topic: "r", roomSize: 50 } })).toThrow(/subscribers 0/);
    expect(() => resolveOptions({ ...base, driver: "ws", pubsub: { subscribers: 0, publishers: 50, topic: "r", roomSize: 50 } })).toThrow(/driver frame/);
    expect(resolveOptions({ ...base, pubsub: { subscribers: 0, publishers: 30, topic: "r", roomSize: 50 } }).pubsub.roomSize).toBe(50);
  });

  it("sends each worker to its workerUrls entry (a cluster), the publisher on the first", () => {
    const o = resolveOptions({
      url: "ws://127.0.0.1:1",
      workerUrls: ["ws://127.0.0.1:2", "ws://127.0.0.1:3"],
      mode: "pubsub",
      rate: 100,
      pubsub: { subscribers: 10, publishers: 1, topic: "t" },
    });
    const t = planTasks(o, o.workerUrls!.length);
    expect(t.map((x) => [x.url, x.pubsub.subscribers, x.pubsub.publishers])).toEqual([
      ["ws://127.0.0.1:2", 5, 1],
      ["ws://127.0.0.1:3", 5, 0],
    ]);
    expect(() => resolveOptions({ url: "ws://127.0.0.1:1", workerUrls: [] })).toThrow(/one server URL per worker/);
  });
});
