import { describe, expect, it } from "vitest";
import { meetsSlo, parseSlo } from "./slo.ts";

describe("parseSlo", () => {
  it("reads percentile, comparison and unit", () => {
    expect(parseSlo("p99<10ms")).toMatchObject({ metric: "p99Us", thresholdUs: 10_000, inclusive: false });
    expect(parseSlo("p99.9 <= 500us")).toMatchObject({ metric: "p999Us", thresholdUs: 500, inclusive: true });
    expect(parseSlo("max<1s").thresholdUs).toBe(1_000_000);
  });

  it("rejects text that is not an objective with an example of one", () => {
    expect(() => parseSlo("p99 fast")).toThrow(/expected e\.g\. "p99<10ms"/);
    expect(() => parseSlo("p98<10ms")).toThrow();
  });

  it("applies strict and inclusive bounds", () => {
    expect(meetsSlo(parseSlo("p99<10ms"), 10_000)).toBe(false);
    expect(meetsSlo(parseSlo("p99<=10ms"), 10_000)).toBe(true);
  });
});
