// The heartbeat and GC-endpoint checks alone against every stack (the full suite runs them too; this file runs in seconds).
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, killAllServers } from "@wsarena/stacks";
import { runConformance } from "./index.ts";

const CHECK_IDS = ["limits.ping-interval", "http.gc-endpoint"];
const wanted = process.env.WSARENA_STACKS?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const stacks = discoverStacks().filter((s) => s.runnable && !s.manifest.tags?.includes("broken") && (!wanted || wanted.includes(s.id)));

afterAll(() => {
  killAllServers();
});

describe("heartbeat and POST /gc on every stack", () => {
  it("finds the stacks", () => expect(stacks.length).toBeGreaterThan(0));
  for (const stack of stacks) {
    it(`${stack.id}: pings every WSARENA_PING_INTERVAL_S, keeps the answering client open, and serves POST /gc only when enabled`, async () => {
      const report = await runConformance(stack, { level: "full", only: CHECK_IDS });
      const results = report.results.map((r) => `${r.id}: ${r.status} ${r.message}`);
      console.log(`${stack.id}: ${results.join(" | ")}`);
      expect(report.results.map((r) => [r.id, r.status])).toEqual(CHECK_IDS.map((id) => [id, "pass"]));
    }, 60_000);
  }
});
