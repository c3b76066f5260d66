import { describe, expect, it } from "vitest";
import { CAVEAT_FLAG_NAMES, EXCLUDING_FLAGS, FLAG_NAMES, FLAGS } from "@wsarena/results";
import { CAVEAT_FLAGS, MEASUREMENT_BOUND_FLAGS, UNRANKED_FLAGS } from "./rank.ts";
import { MARKER_NOTES, WARN_FLAGS_TEXT } from "./tables.ts";

describe("report flag lists and legends", () => {
  it("take the ranked and caveat lists from the flag table", () => {
    expect(UNRANKED_FLAGS).toEqual(EXCLUDING_FLAGS);
    expect(CAVEAT_FLAGS).toEqual(CAVEAT_FLAG_NAMES);
    expect(MEASUREMENT_BOUND_FLAGS.every((f) => FLAGS[f].measurementBound)).toBe(true);
    expect([...UNRANKED_FLAGS, ...CAVEAT_FLAGS].sort()).toEqual([...FLAG_NAMES].sort());
  });

  it("name every excluding flag, and no caveat flag, in the ⚠ legend", () => {
    const warn = MARKER_NOTES[0]!;
    expect(warn).toContain(`(${WARN_FLAGS_TEXT})`);
    for (const f of FLAG_NAMES) expect(WARN_FLAGS_TEXT.split(", ").includes(f)).toBe(FLAGS[f].rank === "exclude");
  });
});
