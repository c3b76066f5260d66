import { describe, expect, it } from "vitest";
import {
  connectionLimits,
  FD_RESERVE,
  limitOfError,
  lowestLimit,
  parseMemAvailable,
  parseOpenFiles,
  parsePortRange,
  planRamp,
  readMachineLimits,
} from "./os-limits.ts";
import type { MachineLimits } from "@wsarena/results";

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`;

const machine = (over: Partial<MachineLimits> = {}): MachineLimits => ({
  serverOpenFiles: { soft: 20_000, hard: 20_000 },
  clientOpenFiles: { soft: 20_000, hard: 20_000 },
  ephemeralPorts: { low: 32768, high: 60999 },
  memAvailableBytes: 23 * 2 ** 30,
  fileMax: 2_466_116,
  ...over,
});

describe("OS limit parsing", () => {
  it("reads RLIMIT_NOFILE soft and hard from /proc/<pid>/limits, unlimited as null", () => {
    expect(parseOpenFiles(PROC_LIMITS)).toEqual({ soft: 20_000, hard: 20_000 });
    expect(parseOpenFiles("Max open files            1024                 unlimited            files\n")).toEqual({ soft: 1024, hard: null });
    expect(() => parseOpenFiles("Max cpu time unlimited unlimited seconds")).toThrow(/Max open files/);
  });

  it("reads the ephemeral port range and MemAvailable", () => {
    expect(parsePortRange("32768\t60999\n")).toEqual({ low: 32768, high: 60999 });
    expect(() => parsePortRange("60999 32768")).toThrow(/low first/);
    expect(parseMemAvailable("MemTotal:       24683584 kB\nMemAvailable:   23705976 kB\n")).toBe(23705976 * 1024);
  });

  it("reads this machine's limits from /proc", () => {
    const l = readMachineLimits(process.pid);
    expect(l.clientOpenFiles.soft === null || l.clientOpenFiles.soft > 0).toBe(true);
    expect(l.serverOpenFiles).toEqual(l.clientOpenFiles);
    expect(l.ephemeralPorts!.high).toBeGreaterThan(l.ephemeralPorts!.low);
    expect(l.memAvailableBytes).toBeGreaterThan(0);
  });
});

describe("planRamp", () => {
  it("caps 100,000 requested connections at the server's open-file limit less the reserve, and says so", () => {
    const p = planRamp(100_000, machine());
    expect(p.connections).toBe(20_000 - FD_RESERVE);
    expect(p.cappedBy).toBe("file-descriptors");
    expect(p.reason).toMatch(/RLIMIT_NOFILE soft 20000/);
    expect(p.workers).toBe(2);
    expect(p.sourceAddresses).toBe(2);
  });

  it("names the limit when it allows exactly the request (19,000 at 20,000 open files)", () => {
    expect(planRamp(19_000, machine())).toMatchObject({ connections: 19_000, cappedBy: "file-descriptors" });
  });

  it("keeps a request under every limit and names the profile", () => {
    const p = planRamp(1_000, machine());
    expect(p).toMatchObject({ connections: 1_000, cappedBy: "profile", workers: 1, sourceAddresses: 1 });
  });

  it("names ephemeral ports or memory when they are the lowest limit", () => {
    const ports = planRamp(
      100_000,
      machine({ serverOpenFiles: { soft: null, hard: null }, clientOpenFiles: { soft: null, hard: null }, ephemeralPorts: { low: 60000, high: 60099 } }),
    );
    expect(ports).toMatchObject({ cappedBy: "ephemeral-ports", connections: 100 * 254 });
    const mem = planRamp(100_000, machine({ serverOpenFiles: { soft: null, hard: null }, memAvailableBytes: 2 ** 30 }));
    expect(mem).toMatchObject({ cappedBy: "memory", connections: 8192 });
  });

  it("spreads a large ramp over workers each under their open-file limit", () => {
    const p = planRamp(150_000, machine({ serverOpenFiles: { soft: 1_000_000, hard: 1_000_000 }, clientOpenFiles: { soft: 1_000_000, hard: 1_000_000 } }));
    expect(p).toMatchObject({ connections: 150_000, cappedBy: "profile", workers: 15, sourceAddresses: 15 });
  });

  it("tells which limit a connect error names", () => {
    expect(limitOfError("EMFILE: too many open files")).toBe("file-descriptors");
    expect(limitOfError("connect EADDRNOTAVAIL 127.0.0.1:4000")).toBe("ephemeral-ports");
    expect(limitOfError("ECONNREFUSED")).toBeNull();
  });
});

describe("lowestLimit", () => {
  it("names the limit allowing the fewest connections with its own value, the one planRamp caps at", () => {
    expect(lowestLimit(machine())).toMatchObject({ cap: "file-descriptors", value: 20_000, allows: 20_000 - FD_RESERVE });
    expect(lowestLimit(machine({ memAvailableBytes: 2 ** 30 }))).toMatchObject({ cap: "memory", value: 2 ** 30, allows: 8192 });
    const ports = lowestLimit(
      machine({
        serverOpenFiles: { soft: null, hard: null },
        clientOpenFiles: { soft: null, hard: null },
        fileMax: null,
        memAvailableBytes: null,
        ephemeralPorts: { low: 60000, high: 60999 },
      }),
    )!;
    expect(ports).toMatchObject({ cap: "ephemeral-ports", value: 1000, allows: 1000 * 254 });
    expect(planRamp(1e9, machine()).connections).toBe(lowestLimit(machine())!.allows);
    expect(connectionLimits(machine())).toHaveLength(5);
    expect(
      lowestLimit({
        serverOpenFiles: { soft: null, hard: null },
        clientOpenFiles: { soft: null, hard: null },
        ephemeralPorts: null,
        memAvailableBytes: null,
        fileMax: null,
      }),
    ).toBeNull();
  });
});
