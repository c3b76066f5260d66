import { describe, expect, it } from "vitest";
import { hostileChart } from "./charts/failure.ts";
import { hostileTables } from "./hostile-table.ts";
import type { HostileDetails } from "@wsarena/results";
import type { ReportInput } from "./model.ts";

const details: HostileDetails = {
  seed: 7,
  inputsPlanned: 3,
  inputsSent: 3,
  outcomesByClass: { unmasked: { "close:1002": 2 }, "missing-key": { "http:500": 1 } },
  verdictsByClass: { unmasked: { contract: 2, deviation: 0, unexpected: 0 }, "missing-key": { contract: 0, deviation: 0, unexpected: 1 } },
  verdicts: { contract: 2, deviation: 0, unexpected: 1 },
  unexpected: [{ id: "missing-key-0", outcome: "http:500", allowed: ["close:1002"] }],
  deaths: 0,
  bystanderFailures: [],
  rssBeforeBytes: 10 * 1048576,
  rssAfterBytes: 12 * 1048576,
  rssSlopeKiBPerMin: 100,
};
const input = { points: [{ scenario: "hostile", stack: "deno", reps: [{ details }] }] } as unknown as ReportInput;

describe("hostileTables", () => {
  it("shows survival per stack and the outcome of each input class, marking unexpected outcomes", () => {
    const t = hostileTables(input, "hostile");
    expect(t).toHaveLength(2);
    const row = t[0]!.table.rows[0]!.map((c) => c.text);
    expect(row.slice(0, 7)).toEqual(["deno", "3/3", "2", "0", "1", "0", "0"]);
    expect(t[0]!.table.rows[0]![4]!.warn.length).toBe(1);
    const outcomes = t[1]!.table;
    expect(outcomes.headers).toEqual(["input class", "close:1002", "http:500", "deviation", "unexpected"]);
    expect(outcomes.rows.find((r) => r[0]!.text === "missing-key")!.map((c) => c.text)).toEqual(["missing-key", "", "1", "", "1"]);
  });
  it("is empty for other scenarios", () => {
    expect(hostileTables(input, "echo-latency")).toEqual([]);
  });
});

describe("hostileChart", () => {
  it("stacks each stack's inputs by verdict and names deaths and bystander failures", () => {
    const ch = hostileChart(input)!;
    const opt = ch.option as { yAxis: { data: string[] }; series: Array<{ name: string; data: number[] }> };
    expect(opt.yAxis.data).toEqual(["deno: 0 deaths, 0 bystander failures"]);
    expect(opt.series.map((s) => [s.name, s.data])).toEqual([
      ["contract's outcome", [2]],
      ["documented deviation", [0]],
      ["unexpected", [1]],
    ]);
    expect(hostileChart({ points: [] } as unknown as ReportInput)).toBeNull();
  });
});
