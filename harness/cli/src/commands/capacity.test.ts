import { describe, expect, it } from "vitest";
import { main } from "../main.ts";
import { parseSteps } from "./capacity.ts";

describe("wsarena capacity flags", () => {
  it("parses --steps with k for thousands", () => {
    expect(parseSteps("5,10,1k,2k")).toEqual([5, 10, 1000, 2000]);
    expect(parseSteps(undefined)).toBeUndefined();
    expect(() => parseSteps("5,ten")).toThrow(/"ten" is not a user count/);
  });

  it("rejects bad criteria, profiles and partial chat rooms with exit 2 before starting anything", async () => {
    const errs: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errs.push(m);
    try {
      expect(await main(["capacity", "--criteria", "p75<10ms"])).toBe(2);
      expect(errs[0]).toMatch(/unknown key "p75"; valid keys: p50, p90, p99, p999, errors, cpu, rss/);
      expect(await main(["capacity", "--criteria", "rss<2GB"])).toBe(2);
      expect(errs.join("\n")).toMatch(/unknown unit "GB" for rss; valid: B, KiB, MiB or GiB/);
      expect(await main(["capacity", "--profile", "gamer"])).toBe(2);
      expect(errs.join("\n")).toMatch(/choose one of: trader, chat, feed/);
      expect(await main(["capacity", "--profile", "chat", "--users", "75"])).toBe(2);
      expect(errs.join("\n")).toMatch(/rooms of 50/);
    } finally {
      console.error = orig;
    }
  });
});
