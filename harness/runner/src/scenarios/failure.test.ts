// Short real runs of the burst and reconnect scenarios through runMatrix against the ws stack (fault client included).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, liveServerCount } from "@wsarena/stacks";
import { runMatrix } from "../matrix.ts";
import { fixedRepetitions } from "../repetitions.ts";
import { detailsOf, loadResultSet } from "@wsarena/results";
import { selectScenarios } from "./index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ws = discoverStacks().find((s) => s.id === "ws")!;

async function run(scenario: string) {
  const out = mkdtempSync(join(tmpdir(), "wsarena-failure-"));
  dirs.push(out);
  await runMatrix({
    runId: `test-${scenario}`,
    outDir: out,
    stacks: [ws],
    scenarios: selectScenarios([scenario]),
    profile: "quick",
    repetitions: fixedRepetitions(1),
    pinning: null,
    floor: false,
    runLoad: async () => {
      throw new Error("burst and reconnect measure with their own client");
    },
    verify: async () => ({ ok: true, level: "smoke", failures: [] }),
  });
  expect(liveServerCount()).toBe(0);
  return loadResultSet(out).measurements.find((m) => m.stack === "ws" && m.scenario === scenario)!;
}

describe("failure scenarios against ws (quick profile)", () => {
  it("burst: the storm's attempts all open and are timed, over the cap they get 503; the message burst drains and every delivery arrives once", async () => {
    const m = await run("burst");
    expect(m.status, m.reason).toBe("ok");
    const storm = m.points.find((p) => p.key === "storm-500")!.reps[0]!;
    expect(storm.connect.attempted).toBe(500);
    const stormDetails = detailsOf("burst", storm);
    if (stormDetails?.kind !== "storm") throw new Error(`storm details do not parse: ${JSON.stringify(storm.details)}`);
    expect(stormDetails.outcomes).toEqual({ ok: 500 });
    expect(storm.connect.p99Us).toBeGreaterThan(0);
    expect(stormDetails.buckets.length).toBeGreaterThan(0);
    // The same storm against WSARENA_MAX_CONNECTIONS=250: the attempts over the cap are refused with 503, not dropped.
    const capped = m.points.find((p) => p.key === "storm-500-cap250")!.reps[0]!;
    expect(detailsOf("burst", capped)?.outcomes).toEqual({ ok: 250, "http-503": 250 });
    expect(capped.postcondition.failures).toEqual([]);
    const b = m.points.find((p) => p.params.kind === "message-burst")!.reps[0]!;
    expect(b.postcondition.failures).toEqual([]);
    expect(b.integrity.lost).toBe(0);
    expect(b.integrity.received).toBe(b.integrity.sent * 20);
    const burstDetails = detailsOf("burst", b);
    expect(burstDetails?.kind).toBe("message-burst");
    expect(burstDetails?.kind === "message-burst" ? burstDetails.drainMs : null).toEqual(expect.any(Number));
    expect(b.clientCpu.cpuSeconds).toBeGreaterThan(0);
  }, 120_000);

  it("reconnect: the server is SIGKILLed and restarted on its port; every subscriber recovers and missed messages are counted", async () => {
    const m = await run("reconnect");
    expect(m.status, m.reason).toBe("ok");
    expect(m.points.map((p) => p.params.policy)).toEqual(["no-jitter", "full-jitter"]);
    for (const p of m.points) {
      const r = p.reps[0]!;
      const d = detailsOf("reconnect", r);
      if (!d) throw new Error(`reconnect details do not parse: ${JSON.stringify(r.details)}`);
      expect(r.postcondition.failures).toEqual([]);
      expect(d.recovered).toBe(100);
      expect(d.recoveryP99Ms).toBeGreaterThanOrEqual(d.recoveryP50Ms!);
      expect(d.restart.newPid).not.toBe(d.restart.oldPid);
      expect(r.closeCodes["1006"]).toBe(100); // a SIGKILL sends no close frame
      expect(d.missedTotal).toBeGreaterThan(0); // the feed was down during the outage
      expect(r.statsDelta).toBeNull(); // /stats restarted with the process
      expect(r.server).not.toBeNull();
    }
  }, 120_000);
});
