// Latency charts draw the floor measured in the same windows next to the stacks (SYNTHETIC sets), and say when there is none.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadReportInput, toReportInput } from "../load.ts";
import { syntheticResultSet } from "../test-support/synthetic.ts";
import { FLOOR_COLOR, FLOOR_SERIES, LAG_SERIES, latencyChart } from "./latency.ts";
import { latencyVsRateChart } from "./latency-vs-rate.ts";
import { stackColor } from "./palette.ts";
import { renderSvg } from "./render.ts";

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

describe("latency against rate, drawn (fixtures/quick-knee: a real quick run with knees)", () => {
  const knee = loadReportInput(resolve(dirname(fileURLToPath(import.meta.url)), "../../fixtures/quick-knee"));
  const spec = latencyVsRateChart(knee)!;
  const svg = renderSvg(spec);

  it("shades the floor's p99 band in grey", () => {
    expect(svg).toMatch(new RegExp(`<path [^>]*fill="${FLOOR_COLOR}" fill-opacity="0.18"`));
  });

  it("labels each bracketed knee's line with its stack, in the stack's colour, and says so in the caption", () => {
    const stacks = [...knee.stacks].sort();
    for (const stack of ["socket-io", "uws"]) expect(svg).toMatch(new RegExp(`text-anchor="middle"[^>]*fill="${stackColor(stack, stacks)}">${stack}</text>`));
    expect(spec.caption).toContain("marks its measured sustainable rate @ p99<5ms");
    expect(spec.title).toBe("Latency against offered rate: echo-latency (load shape: pipelined)");
  });
});
