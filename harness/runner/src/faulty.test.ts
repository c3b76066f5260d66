// The runner catches faulty servers: test stacks (src/fixtures/servers: the ws hot path dropping 1 % of its messages,
// flipping a byte in 1 %, crashing after N) run through every core scenario that sends data, on short windows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runLoad } from "@wsarena/loadgen";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, liveServerCount } from "@wsarena/stacks";
import { CRASH_AFTER_MESSAGES, CRASH_EXIT_CODE } from "./fixtures/faults.ts";
import { runMatrix } from "./matrix.ts";
import { fixedRepetitions } from "./repetitions.ts";
import { selectScenarios, type Scenario } from "./scenarios/index.ts";

/** Root holding servers/faulty-* (discovered like servers/ in the repository). */
const FIXTURES_ROOT = fileURLToPath(new URL("./fixtures", import.meta.url));
/** Short windows: enough messages for 1 % faults to show, small enough for a test. */
const SHORT = { warmupMs: 200, durationMs: 500 };
/** Core scenarios that exchange data messages (connections holds idle connections: no message can be dropped or flipped). */
const DATA_SCENARIOS = ["echo-throughput", "echo-latency", "stream-json", "stream-binary", "pubsub"];

/** A scenario with its quick plan cut to the first point and short windows. */
function shortened(s: Scenario): Scenario {
  return {
    ...s,
    plan: (profile) => {
      const plan = s.plan(profile);
      return { ...plan, points: plan.points.slice(0, 1).map((p) => ({ ...p, load: { ...p.load, ...SHORT } })) };
    },
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("faulty test stacks through the runner's scenarios", () => {
  it("discovers the three faulty fixtures, and the crash fixture crashes within the scenarios' message counts", () => {
    expect(discoverStacks(FIXTURES_ROOT).map((s) => [s.id, s.runnable])).toEqual([
      ["faulty-crash", true],
      ["faulty-drop", true],
      ["faulty-flip", true],
    ]);
    expect(CRASH_AFTER_MESSAGES).toBeGreaterThan(0);
  });

  it("flags drop and flip (integrity) and crash (errored, with exit code and stderr) in every data scenario", { timeout: 170_000 }, async () => {
    const stacks = discoverStacks(FIXTURES_ROOT);
    const scenarios = selectScenarios(DATA_SCENARIOS).map(shortened);
    const outDir = mkdtempSync(join(tmpdir(), "wsarena-faulty-"));
    dirs.push(outDir);
    const { measurements } = await runMatrix({
      runId: "faulty",
      outDir,
      stacks,
      scenarios,
      profile: "quick",
      repetitions: fixedRepetitions(1),
      pinning: null,
      runLoad,
      floor: false,
    });
    expect(measurements).toHaveLength(stacks.length * DATA_SCENARIOS.length);
    const problems: string[] = [];
    for (const m of measurements) {
      const where = `${m.stack} ${m.scenario}`;
      if (m.stack === "faulty-crash") {
        if (m.status !== "errored") problems.push(`${where}: status ${m.status}, expected errored`);
        if (m.serverExit?.code !== CRASH_EXIT_CODE) problems.push(`${where}: serverExit ${JSON.stringify(m.serverExit)}, expected code ${CRASH_EXIT_CODE}`);
        if (!m.serverExit?.stderrTail.some((l) => l.includes("crashing on purpose"))) problems.push(`${where}: the server's last stderr line is missing`);
        if (!m.reason?.includes(`exited with code ${CRASH_EXIT_CODE}`)) problems.push(`${where}: reason "${m.reason}" does not give the exit code`);
      } else if (!(m.status === "errored" || m.flags.includes("integrity"))) {
        problems.push(`${where}: status ${m.status}, flags ${m.flags.join(",") || "none"}; expected integrity or errored`);
      }
    }
    expect(problems).toEqual([]);
    expect(liveServerCount()).toBe(0);
  });
});
