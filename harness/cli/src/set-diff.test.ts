// The differences `wsarena rerun` lists between two result sets, on the committed reference set's real run.json.
import { join } from "node:path";
import { REPO_ROOT } from "@wsarena/stacks";
import { loadRunFile, type RunRecord } from "@wsarena/results";
import { describe, expect, it } from "vitest";
import { formatDifferences, setDifferences } from "./set-diff.ts";

const REFERENCE = loadRunFile(join(REPO_ROOT, "harness", "report", "fixtures", "reference-20261202"));

/** A copy of the reference run.json with `change` applied (the reference itself is never touched). */
function changed(change: (r: RunRecord) => void): RunRecord {
  const r = structuredClone(REFERENCE);
  r.runId = "rerun-id";
  change(r);
  return r;
}

const texts = (a: RunRecord, b: RunRecord) => setDifferences(a, b).map((d) => `${d.kind} | ${d.text}`);

describe("setDifferences", () => {
  it("finds none between a set and an identical copy, and says so in one line", () => {
    const b = changed(() => {});
    expect(setDifferences(REFERENCE, b)).toEqual([]);
    expect(formatDifferences([], REFERENCE, b)).toBe(
      `No difference between ${REFERENCE.runId} and rerun-id in commit, runtime versions, package versions, machine or configuration.`,
    );
  });

  it("states a new commit, a dirty checkout and changed node and bun versions one line each", () => {
    const b = changed((r) => {
      r.git = { commit: "1234567890abcdef", dirty: true };
      r.runtimes = { ...r.runtimes, node: "22.1.0", bun: null };
    });
    expect(texts(REFERENCE, b)).toEqual([
      "commit | commit: f926a41e54 → 1234567890 with uncommitted changes",
      "runtime | node: 20.20.2 → 22.1.0",
      "runtime | bun: 1.4.5 → not used",
    ]);
  });

  it("says the uncommitted changes may differ when both sides ran the same dirty commit", () => {
    const a = changed((r) => (r.git.dirty = true));
    expect(
      texts(
        a,
        changed((r) => (r.git.dirty = true)),
      ),
    ).toEqual(["commit | commit: f926a41e54 with uncommitted changes on both sides; the uncommitted changes may differ"]);
  });

  it("lists each stack and load-generator package whose version changed, once per stack folder even with a variant", () => {
    const uws = REFERENCE.stacks.find((s) => s.id === "uws")!;
    const pkg = Object.keys(uws.packages)[0]!;
    const b = changed((r) => {
      const s = r.stacks.find((x) => x.id === "uws")!;
      s.packages = { ...s.packages, [pkg]: "99.0.0", "left-pad": "1.3.0" };
      r.stacks.push({ ...structuredClone(s), id: "uws+deflate", variant: { id: "deflate", base: "uws", env: {}, load: {}, description: "d" } });
      r.clientPackages = { ...r.clientPackages, ws: "9.0.0" };
      r.stacks = r.stacks.filter((x) => x.id !== "deno");
    });
    expect(texts(REFERENCE, b)).toEqual([
      `packages | stack deno: only in ${REFERENCE.runId}`,
      "packages | stack uws: left-pad absent → 1.3.0",
      `packages | stack uws: ${pkg} ${uws.packages[pkg]} → 99.0.0`,
      "packages | load generator: ws 8.23.0 → 9.0.0",
    ]);
  });

  it("names the version of a stack whose packages are unchanged (a runtime stack's version is its runtime's)", () => {
    const a = changed((r) => (r.stacks.find((x) => x.id === "bun")!.packages = {}));
    const b = changed((r) => Object.assign(r.stacks.find((x) => x.id === "bun")!, { packages: {}, version: "1.5.0" }));
    expect(texts(a, b)).toEqual(["packages | stack bun: version 1.4.5 → 1.5.0"]);
  });

  it("states every machine field that differs, memory in binary units (exact bytes when the units read the same)", () => {
    const b = changed((r) => {
      r.machine = { ...r.machine, cpuModel: "AMD EPYC", cores: 4, memoryBytes: r.machine.memoryBytes * 2, kernel: "6.1.0", governor: "performance" };
    });
    const d = setDifferences(REFERENCE, b);
    expect(d.every((x) => x.kind === "machine")).toBe(true);
    expect(d.map((x) => x.text)).toEqual([
      `cpu model: ${REFERENCE.machine.cpuModel} → AMD EPYC`,
      "cores: 2 → 4",
      expect.stringMatching(/^memory: [\d.]+ GiB → [\d.]+ GiB$/),
      `kernel: ${REFERENCE.machine.kernel} → 6.1.0`,
      `cpu governor: ${REFERENCE.machine.governor ?? "not readable"} → performance`,
    ]);
    const close = changed((r) => (r.machine.memoryBytes += 1));
    expect(texts(REFERENCE, close)).toEqual([`machine | memory: ${REFERENCE.machine.memoryBytes} → ${REFERENCE.machine.memoryBytes + 1}`]);
  });

  it("states configuration differences: repetition policy, SLO, load shape, pinning and a scenario's parameters and points", () => {
    const scenario = REFERENCE.config.scenarios[0]!;
    const params = REFERENCE.config.scenarioParams[scenario]!;
    const [key] = Object.keys(params.params);
    const b = changed((r) => {
      r.config.repetitions = { minReps: 1, maxReps: 1, targetCiHalfWidthRel: 0, budgetMs: null };
      r.config.slo = "p99<5ms";
      r.config.loadShape = "pipelined";
      r.pinning = { serverCpus: "0", clientCpus: null };
      const p = r.config.scenarioParams[scenario]!;
      p.params = { ...p.params, [key!]: "changed" };
      p.points = p.points.slice(1);
    });
    const lines = texts(REFERENCE, b);
    expect(lines.slice(0, 4)).toEqual([
      "configuration | repetitions: 3–10 reps until the 95 % interval is within ±5 %, budget 40m00s → 1 reps (fixed)",
      "configuration | SLO: not recorded → p99<5ms",
      "configuration | open-loop load shape: not recorded → pipelined",
      "configuration | client cpus: 1 → not pinned",
    ]);
    expect(lines[4]).toBe(`configuration | scenario ${scenario}: ${key} ${String(params.params[key!])} → changed`);
    expect(lines[5]).toMatch(new RegExp(`^configuration \\| scenario ${scenario}: points .+ → `));
    expect(formatDifferences(setDifferences(REFERENCE, b), REFERENCE, b).split("\n")).toHaveLength(lines.length + 1);
  });
});
