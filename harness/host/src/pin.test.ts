import { describe, expect, it } from "vitest";
import { formatCpuList, parseCpuList, resolvePinning, tasksetArgv } from "./pin.ts";

describe("parseCpuList", () => {
  it("parses single cpus, lists and ranges into sorted unique numbers", () => {
    expect(parseCpuList("0")).toEqual([0]);
    expect(parseCpuList("3,1,1")).toEqual([1, 3]);
    expect(parseCpuList("0-2,5")).toEqual([0, 1, 2, 5]);
  });
  it("rejects malformed lists with a one-line error", () => {
    for (const bad of ["", "a", "1-", "-1", "1,,2", "2-1", "1.5"]) expect(() => parseCpuList(bad)).toThrow(/cpu/);
  });
});

describe("formatCpuList", () => {
  it("compresses runs into ranges", () => {
    expect(formatCpuList([5, 0, 1, 2])).toBe("0-2,5");
    expect(formatCpuList([1])).toBe("1");
  });
});

describe("resolvePinning", () => {
  it("accepts disjoint cpus that exist", () => {
    expect(resolvePinning("0", "1", 2)).toMatchObject({ serverList: "0", clientList: "1" });
  });
  it("rejects cpus beyond the machine, naming the valid range", () => {
    expect(() => resolvePinning("0", "2", 2)).toThrow("--client-cpus: cpu 2 does not exist; this machine has cpus 0-1.");
  });
  it("rejects overlapping server and client cpus", () => {
    expect(() => resolvePinning("0-1", "1", 2)).toThrow(/share cpu 1/);
  });
});

describe("tasksetArgv", () => {
  it("prefixes taskset -c when pinned and leaves argv alone otherwise", () => {
    expect(tasksetArgv("0", ["node", "server.ts"])).toEqual(["taskset", "-c", "0", "node", "server.ts"]);
    expect(tasksetArgv(undefined, ["node"])).toEqual(["node"]);
  });
});
