import { describe, expect, it } from "vitest";
import { fmtDuration, fmtDurationExact, parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  it("reads every unit, fractions and a bare number of ms", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("3s")).toBe(3_000);
    expect(parseDuration("1.5s")).toBe(1_500);
    expect(parseDuration("40m")).toBe(2_400_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("250")).toBe(250);
    expect(parseDuration(" 0 ")).toBe(0);
  });

  it("adds terms written largest unit first", () => {
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2m30s")).toBe(150_000);
    expect(parseDuration("1h0m15s")).toBe(3_615_000);
    expect(parseDuration("1s500ms")).toBe(1_500);
  });

  it("accepts what the three old parsers accepted (cli --budget, loadgen, bench)", () => {
    for (const [text, ms] of [
      ["45m", 2_700_000],
      ["90s", 90_000],
      ["2m", 120_000],
      ["3s", 3_000],
      ["500ms", 500],
      ["5000", 5_000],
    ] as const)
      expect(parseDuration(text)).toBe(ms);
  });

  it("rejects everything else", () => {
    for (const bad of ["", "s", "5 sec", "5sec", "-1s", "1m1h", "1s1s", "30s1m", "ms", "1.s", "1e3", "1d"]) expect(parseDuration(bad), bad).toBeNull();
  });
});

describe("fmtDuration", () => {
  it("prints whole seconds in the largest two units, which parseDuration reads back", () => {
    for (const [ms, text] of [
      [12_000, "12s"],
      [245_000, "4m05s"],
      [3_720_000, "1h02m"],
    ] as const) {
      expect(fmtDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });
});

describe("fmtDurationExact", () => {
  it("uses the largest unit that holds the value exactly", () => {
    for (const [ms, text] of [
      [86_400_000, "24h"],
      [600_000, "10m"],
      [90_000, "90s"],
      [10_000, "10s"],
      [500, "500ms"],
      [0, "0ms"],
    ] as const) {
      expect(fmtDurationExact(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });
});
