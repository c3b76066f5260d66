import { describe, expect, it } from "vitest";
import { FD_RESERVE } from "@wsarena/host";
import type { MachineLimits } from "@wsarena/results";
import { spreadLoads, userLimit } from "./limits.ts";
import { CHAT_ROOM_SIZE, USER_PROFILES } from "./profiles.ts";

const TIMING = { warmupMs: 1_000, durationMs: 2_000 };

/** This machine's shape: 20,000 open files per process (not raisable), plenty of ports and memory. */
const machine = (serverFd = 20_000, clientFd = 20_000): MachineLimits => ({
  serverOpenFiles: { soft: serverFd, hard: serverFd },
  clientOpenFiles: { soft: clientFd, hard: clientFd },
  ephemeralPorts: { low: 32768, high: 60999 },
  memAvailableBytes: 23 * 2 ** 30,
  fileMax: 2_466_116,
});

describe("userLimit", () => {
  it("divides the connections the lowest limit allows by the profile's connections per user", () => {
    const feed = userLimit(machine(), 1, 1)!;
    expect(feed).toMatchObject({ cap: "file-descriptors", value: 20_000, connections: 20_000 - FD_RESERVE, users: 19_000 });
    expect(feed.reason).toMatch(/server's open-file limit \(RLIMIT_NOFILE soft 20000.*allows 19000 connections/);
    expect(userLimit(machine(), USER_PROFILES.trader.connectionsPerUser, 1)!.users).toBe(9_500);
  });

  it("rounds to whole rooms above one room, names the server's own limit when it is lower, and is null with nothing readable", () => {
    expect(userLimit(machine(20_037), 1, CHAT_ROOM_SIZE)!.users).toBe(19_000);
    expect(userLimit(machine(1_030), 1, CHAT_ROOM_SIZE)!.users).toBe(30);
    expect(userLimit(machine(1_010, 50_000), 2, 1)).toMatchObject({ value: 1_010, users: 5 });
    const none: MachineLimits = {
      serverOpenFiles: { soft: null, hard: null },
      clientOpenFiles: { soft: null, hard: null },
      ephemeralPorts: null,
      memAvailableBytes: null,
      fileMax: null,
    };
    expect(userLimit(none, 1, 1)).toBeNull();
  });
});

describe("spreadLoads", () => {
  it("leaves a step that fits one worker and one source address unchanged", () => {
    const loads = USER_PROFILES.trader.loads(1_000, TIMING);
    expect(spreadLoads(loads, machine(), 1)).toEqual(loads);
  });

  it("spreads 19,000 feed users over two workers and two source addresses (one worker would run out of open files)", () => {
    const [load] = spreadLoads(USER_PROFILES.feed.loads(19_000, TIMING), machine(), 1);
    expect(load!.workers).toBe(2);
    expect(load!.sourceAddresses).toBe(2);
    expect(spreadLoads(USER_PROFILES.feed.loads(19_000, TIMING), machine(), 4)[0]!.workers).toBe(4);
  });

  it("gives the source addresses for the sum of a trader's two loads, and each load the workers for its own connections", () => {
    const loads = spreadLoads(USER_PROFILES.trader.loads(9_500, TIMING), machine(), 1);
    expect(loads.map((l) => [l.connections, l.workers, l.sourceAddresses])).toEqual([
      [9_500, undefined, 2],
      [9_500, undefined, 2],
    ]);
  });

  it("counts a chat step's publishers", () => {
    const [load] = spreadLoads(USER_PROFILES.chat.loads(15_000, TIMING), machine(), 1);
    expect([load!.workers, load!.sourceAddresses]).toEqual([2, 2]);
  });
});
