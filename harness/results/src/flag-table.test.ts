import { describe, expect, it } from "vitest";
import { CAVEAT_FLAG_NAMES, EXCLUDING_FLAGS, FLAG_NAMES, FLAGS, MEASUREMENT_BOUND_FLAG_NAMES, validityFlagSchema } from "./flag-table.ts";
import { unionFlags } from "./flags.ts";

describe("flag table", () => {
  it("has a rank, a rule and an explanation for every flag the schema accepts", () => {
    expect([...validityFlagSchema.options]).toEqual(FLAG_NAMES);
    for (const f of validityFlagSchema.options) {
      expect(["exclude", "caveat"]).toContain(FLAGS[f].rank);
      expect(FLAGS[f].rule.length).toBeGreaterThan(10);
      expect(FLAGS[f].explain.length).toBeGreaterThan(10);
    }
  });

  it("splits every flag into exactly one of the excluding and caveat lists", () => {
    expect([...EXCLUDING_FLAGS, ...CAVEAT_FLAG_NAMES].sort()).toEqual([...FLAG_NAMES].sort());
    expect(EXCLUDING_FLAGS.filter((f) => CAVEAT_FLAG_NAMES.includes(f))).toEqual([]);
  });

  it("lists the stack's exclusions before the measurement's, and only excluding flags as measurement-bound", () => {
    expect(EXCLUDING_FLAGS).toEqual(["integrity", "errors", "client-bound", "client-loaded", "at-floor"]);
    expect(MEASUREMENT_BOUND_FLAG_NAMES.every((f) => FLAGS[f].rank === "exclude")).toBe(true);
    expect(MEASUREMENT_BOUND_FLAG_NAMES).toEqual(["client-bound", "client-loaded", "at-floor"]);
  });

  it("orders a union of flag lists by the table, keeping every flag", () => {
    expect(unionFlags([...FLAG_NAMES].reverse())).toEqual(FLAG_NAMES);
  });

  it("writes the thresholds into the rules", () => {
    expect(FLAGS["high-variance"].rule).toContain("10 %");
    expect(FLAGS["client-bound"].rule).toContain("85 %");
    expect(FLAGS["at-floor"].rule).toContain("2×");
  });
});
