// compare on SYNTHETIC result sets with controlled differences: a 20% regression is flagged, a 1% wobble is not.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareResultSets, formatComparison } from "./compare.ts";
import { loadReportInput } from "./load.ts";
import { writeSyntheticResultSet } from "./test-support/synthetic.ts";

const work = mkdtempSync(join(tmpdir(), "wsarena-compare-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base = { uws: 1, bun: 1.6, ws: 0.12 };
const a = loadReportInput(writeSyntheticResultSet(join(work, "a"), { runId: "a", seed: 11, speed: base }));
// B: uws 20% slower, ws 1% faster, bun unchanged; independent noise (another seed).
const b = loadReportInput(writeSyntheticResultSet(join(work, "b"), { runId: "b", seed: 22, speed: { ...base, uws: 0.8, ws: 0.12 * 1.01 } }));

function verdictOf(c: ReturnType<typeof compareResultSets>, stack: string, scenario: string, pointKey: string, metric: string) {
  return c.points.find((p) => p.stackA === stack && p.scenario === scenario && p.pointKey === pointKey)?.changes.find((m) => m.metric === metric);
}

describe("compare", () => {
  it("flags a 20% throughput drop as a significant regression and fails over a 10% threshold", () => {
    const c = compareResultSets(a, b, { thresholdPct: 10 });
    const m = verdictOf(c, "uws", "echo-throughput", "64B", "msgsPerSec")!;
    expect(m.verdict).toBe("regression");
    expect(m.ratio).toBeGreaterThan(0.75);
    expect(m.ratio).toBeLessThan(0.85);
    expect(m.interval.high).toBeLessThan(1);
    expect(c.failed).toBe(true);
    expect(formatComparison(c)).toMatch(/uws\s+msgsPerSec.*REGRESSION/);
  });

  it("ignores a 1% wobble and an unchanged stack", () => {
    const c = compareResultSets(a, b);
    for (const key of ["64B", "1024B"]) {
      expect(verdictOf(c, "ws", "echo-throughput", key, "msgsPerSec")!.verdict).toBe("unchanged");
      expect(verdictOf(c, "bun", "echo-throughput", key, "msgsPerSec")!.verdict).toBe("unchanged");
    }
  });

  it("does not fail when every regression is under the threshold", () => {
    // uws's latency past its knee gets several times worse in set B, so only a very high threshold passes.
    const c = compareResultSets(a, b, { thresholdPct: 1000 });
    expect(c.regressions).toBeGreaterThan(0);
    expect(c.failed).toBe(false);
  });

  it("warns when machines or pinning differ", () => {
    const other = loadReportInput(writeSyntheticResultSet(join(work, "c"), { runId: "c", seed: 33, cpuModel: "Other CPU", serverCpus: null }));
    const c = compareResultSets(a, other);
    expect(c.warnings.join("\n")).toMatch(/CPU models differ/);
    expect(c.warnings.join("\n")).toMatch(/server pinnings differ/);
    expect(compareResultSets(a, b).warnings.filter((w) => /differ:/.test(w))).toEqual([]);
  });

  it("compares two stacks of one result set by scenario and params", () => {
    const c = compareResultSets(a, a, { stackA: "uws", stackB: "bun" });
    const m = c.points.find((p) => p.scenario === "echo-throughput" && p.pointKey === "64B")!;
    expect(m.stackA).toBe("uws");
    expect(m.stackB).toBe("bun");
    const tp = m.changes.find((x) => x.metric === "msgsPerSec")!;
    expect(tp.verdict).toBe("improvement");
    expect(tp.ratio).toBeGreaterThan(1.4);
  });

  it("rejects a stack that is not in the set and a lone --stack-a", () => {
    expect(() => compareResultSets(a, a, { stackA: "nope", stackB: "bun" })).toThrow(/not in result set/);
    expect(() => compareResultSets(a, a, { stackA: "uws" })).toThrow(/go together/);
  });
});
