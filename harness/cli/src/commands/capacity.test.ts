import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capacitySchema } from "@wsarena/results";
import { REPO_ROOT } from "@wsarena/stacks";
import { main } from "../main.ts";
import { formatSteps, formatVerdicts, parseSteps } from "./capacity.ts";

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

describe("wsarena capacity output", () => {
  /** The report fixture (written before capacity read the machine's limits), its first stack stopped at a limit of 2500 users. */
  const atLimit = () => {
    const rec = capacitySchema.parse(JSON.parse(readFileSync(join(REPO_ROOT, "harness/report/fixtures/capacity/capacity.json"), "utf8")));
    const r = rec.results[0]!;
    const upTo = r.steps.filter((s) => s.phase === "ladder" && s.users <= 2000);
    r.steps = [
      ...upTo,
      { ...upTo.at(-1)!, users: 2500, connections: 5000 },
      {
        ...upTo.at(-1)!,
        users: 5000,
        connections: 10000,
        verdict: "limit",
        failures: [],
        latency: null,
        window: null,
        error: null,
        serverCpuPct: null,
        serverCoreBusyPct: null,
        foreignCpuPct: null,
        rssBytes: null,
        clientCpuPct: 0,
        floorP99Us: null,
        flags: [],
      },
    ];
    r.limit = {
      cap: "file-descriptors",
      value: 6000,
      connections: 5000,
      users: 2500,
      reason: "the server's open-file limit (RLIMIT_NOFILE soft 6000, hard 6000) less 1000 for its own files allows 5000 connections",
    };
    Object.assign(r, { verdict: "limit", verdictFailures: [], largestPassingUsers: 2500, largestPassingIsLowerBound: true });
    rec.config.users = 5000;
    return rec;
  };

  it("shows a verdict capped by the machine's limit as that limit, with its value and the users it allows", () => {
    const rec = atLimit();
    const table = formatVerdicts(rec);
    expect(table).toMatch(
      /uws .*limit: file-descriptors \(the server's open-file limit \(RLIMIT_NOFILE soft 6000, hard 6000\).*allows 5000 connections; 2500 users\) .*≥ 2500 \(machine limit\)/,
    );
    expect(formatSteps(rec.results[0]!).split("\n").at(-1)).toMatch(/^\s*5000 +ladder +— .*limit: file-descriptors allows 2500 users\s*$/);
  });

  it("shows an older capacity set (no limit) as before", () => {
    const rec = capacitySchema.parse(JSON.parse(readFileSync(join(REPO_ROOT, "harness/report/fixtures/capacity/capacity.json"), "utf8")));
    expect(formatVerdicts(rec)).not.toMatch(/limit/);
  });
});
