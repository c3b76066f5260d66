// Latency charts draw the floor measured in the same windows next to the stacks (SYNTHETIC sets), and say when there is none.
import { describe, expect, it } from "vitest";
import { toReportInput } from "../load.ts";
import { syntheticResultSet } from "../test-support/synthetic.ts";
import { FLOOR_SERIES, LAG_SERIES, latencyChart } from "./latency.ts";
import { latencyVsRateChart } from "./latency-vs-rate.ts";

const names = (option: unknown): string[] => ((option as { series: { name: string }[] }).series ?? []).map((s) => s.name);

describe("latency charts with the floor", () => {
  const withFloor = toReportInput({ dir: "/s", ...syntheticResultSet() });
  const without = toReportInput({ dir: "/s", ...syntheticResultSet({ floor: false }) });

  it("draw the worst core's floor and the scheduler lag as their own series", () => {
    expect(names(latencyChart(withFloor)!.option)).toEqual(expect.arrayContaining([FLOOR_SERIES, LAG_SERIES, "bun", "uws", "ws"]));
    expect(names(latencyVsRateChart(withFloor)!.option)).toEqual(expect.arrayContaining([`${FLOOR_SERIES} p99`, `${LAG_SERIES} p99`]));
  });

  it("draw only the stacks, and say the floor was not measured, for a set without floor records", () => {
    for (const ch of [latencyChart(without)!, latencyVsRateChart(without)!]) {
      expect(names(ch.option).some((n) => n.startsWith(FLOOR_SERIES) || n.startsWith(LAG_SERIES))).toBe(false);
      expect(ch.caption).toContain("The floor was not measured in this run.");
    }
  });
});
