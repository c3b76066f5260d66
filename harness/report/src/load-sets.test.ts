// Several result sets in one report: SYNTHETIC run sets (parts of one run: same commit and machine), and the real
// capacity fixture given those sets' commit and machine where it stands beside them.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCapacitySet } from "./capacity.ts";
import { loadReportInput } from "./load.ts";
import { defaultReportDir, loadReportSets, resultSetFolders } from "./load-sets.ts";
import { readmeBlock } from "./readme-block.ts";
import { writeReportFor } from "./report.ts";
import { sourcesTable } from "./sources.ts";
import { writeSyntheticResultSet, type SyntheticOptions } from "./test-support/synthetic.ts";

const work = mkdtempSync(join(tmpdir(), "wsarena-multiset-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const CAPACITY_FIXTURE = resolve(import.meta.dirname, "../fixtures/capacity");

/** A synthetic run set at `dir` holding only `scenarios` (a part of a reference run). */
function part(dir: string, runId: string, scenarios: SyntheticOptions["scenarios"], opts: Partial<SyntheticOptions> = {}): string {
  return writeSyntheticResultSet(dir, { runId, seed: runId.length, scenarios, ...opts });
}

/** Edits a set's run.json in place (test set-up of a set recorded elsewhere). */
function editRun(dir: string, edit: (run: Record<string, unknown>) => void): void {
  const file = join(dir, "run.json");
  const run = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(run);
  writeFileSync(file, JSON.stringify(run));
}

/** The real capacity fixture copied to `dir`, recorded on the machine and commit of the run set in `like`. */
function capacityLike(dir: string, like: string): string {
  cpSync(CAPACITY_FIXTURE, dir, { recursive: true });
  const run = JSON.parse(readFileSync(join(like, "run.json"), "utf8")) as Record<string, unknown>;
  const file = join(dir, "capacity.json");
  const rec = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  for (const k of ["git", "machine", "runtimes", "pinning"]) rec[k] = run[k];
  writeFileSync(file, JSON.stringify(rec));
  return dir;
}

describe("a report of several result sets", () => {
  const ref = join(work, "ref");
  const core = part(join(ref, "core"), "run-core", ["echo-throughput", "echo-latency"]);
  const conn = part(join(ref, "conn"), "run-conn", ["connections"], { stacks: ["uws", "ws"] });

  it("merges the sets' measurements, every point naming its file relative to the report's folder", () => {
    const input = loadReportSets([core, conn], ref);
    const alone = [loadReportInput(core), loadReportInput(conn)];
    expect(input.dir).toBe(ref);
    expect(input.scenarios).toEqual(["echo-throughput", "echo-latency", "connections"]);
    expect(input.stacks).toEqual(["bun", "socket-io", "uws", "ws"]);
    expect(input.points.length).toBe(alone[0]!.points.length + alone[1]!.points.length);
    for (const p of input.points) {
      expect(p.sourceFile).toBe(`${p.scenario === "connections" ? "conn" : "core"}/${p.stack}--${p.scenario}.json`);
      expect(existsSync(join(ref, p.sourceFile))).toBe(true);
    }
    expect(input.run.runId).toBe("run-core + run-conn");
    expect(input.run.measurements).toContain("conn/uws--connections.json");
    expect(input.sources?.map((s) => [s.folder, s.file, s.runId, s.scenarios.join(",")])).toEqual([
      ["core", "core/run.json", "run-core", "echo-throughput,echo-latency"],
      ["conn", "conn/run.json", "run-conn", "connections"],
    ]);
    expect(input.capacity).toBeUndefined();
  });

  it("writes one report listing every set with its run, profile, repetitions and wall time", () => {
    const input = loadReportSets([core, conn], ref);
    writeReportFor(input);
    const md = readFileSync(join(ref, "report.md"), "utf8");
    expect(md).toContain("# wsarena results: run-core + run-conn");
    expect(md).toContain(
      "| [core](core/run.json) | run-core | 0000000000 | synthetic | 5 reps | echo-throughput, echo-latency | 2026-11-23T00:00:00.000Z → 2026-11-23T00:10:00.000Z (10m00s) | complete |",
    );
    expect(md).toContain("## Scenario connections");
    expect(readFileSync(join(ref, "report.html"), "utf8")).toContain('<a href="conn/run.json">conn</a>');
    const block = readmeBlock(input, [], join(work, "README.md"));
    expect(block).toContain(
      "Result sets [core](ref/core/run.json) (run-core; profile synthetic, 5 reps), [conn](ref/conn/run.json) (run-conn; profile synthetic, 5 reps)",
    );
    expect(block).toMatch(/\| uws \| [^|]*\]\(ref\/core\/uws--echo-throughput\.json\)/);
    expect(block).toMatch(/\[[\d.]+ KiB\]\(ref\/conn\/uws--connections\.json\)/);
  });

  it("reads one set alone exactly as loadReportInput does", () => {
    expect(loadReportSets([core], core)).toEqual(loadReportInput(core));
  });

  it("merges a scenario split by stacks, and refuses one measured with different parameters in two sets", () => {
    const dir = join(work, "split");
    const a = part(join(dir, "a"), "run-a", ["connections"], { stacks: ["bun", "uws"] });
    const b = part(join(dir, "b"), "run-b", ["connections"], { stacks: ["ws"] });
    expect(loadReportSets([a, b], dir).stacks).toEqual(["bun", "uws", "ws"]);
    editRun(b, (run) => {
      (run.config as { scenarioParams: unknown }).scenarioParams = { connections: { params: { holdMs: 9 }, points: [] } };
    });
    expect(() => loadReportSets([a, b], dir)).toThrow(
      /^scenario connections was measured with different parameters in a \(profile synthetic\) and b \(profile synthetic\); .* measure it with one profile in both sets$/,
    );
  });

  it("refuses a (stack, scenario) measured in two sets, naming both folders and the fix, in one line", () => {
    const dup = part(join(ref, "dup"), "run-dup", ["connections"], { stacks: ["ws"] });
    const err = (() => {
      try {
        loadReportSets([core, conn, dup], ref);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(err).toBe(
      "ws connections is measured in both conn and dup; a report holds one measurement of each, so leave one of the two folders out or remove dup/ws--connections.json",
    );
    rmSync(dup, { recursive: true });
  });

  it("refuses sets from another machine or commit, naming the field and both values", () => {
    const dir = join(work, "mixed");
    const a = part(join(dir, "a"), "run-a", ["connections"], { stacks: ["uws"] });
    const b = part(join(dir, "b"), "run-b", ["echo-throughput"], { cpuModel: "Other CPU" });
    expect(() => loadReportSets([a, b], dir)).toThrow(/^result sets a and b differ in cpu model \(Synthetic CPU @ 3\.0GHz vs Other CPU\); .*wsarena compare`$/);
    const c = part(join(dir, "c"), "run-c", ["echo-throughput"]);
    editRun(c, (run) => {
      run.git = { commit: "1111111111111111111111111111111111111111", dirty: false };
    });
    expect(() => loadReportSets([a, c], dir)).toThrow(
      "result sets a and c differ in git commit (0000000000000000000000000000000000000000 vs 1111111111111111111111111111111111111111)",
    );
    expect(() => loadReportSets([a, CAPACITY_FIXTURE], dir)).toThrow(/differ in git commit/);
    // --allow-mixed-commits: merged, each set's commit named in the set table; other fields are still checked.
    const mixed = loadReportSets([a, c], dir, { allowMixedCommits: true });
    expect(mixed.sources?.map((s) => s.commit?.slice(0, 4))).toEqual(["0000", "1111"]);
    const table = sourcesTable(mixed)!;
    expect(table.headers).toContain("Commit");
    expect(table.notes?.[0]).toMatch(/one machine but 2 commits \(given with --allow-mixed-commits\)/);
    expect(() => loadReportSets([a, b], dir, { allowMixedCommits: true })).toThrow(/differ in cpu model/);
  });

  it("loads a capacity set beside a run set into input.capacity and draws its verdicts and charts in a Capacity section", () => {
    const dir = join(work, "withcap");
    const run = part(join(dir, "core"), "run-core", ["echo-throughput"]);
    const cap = capacityLike(join(dir, "capacity-trader"), run);
    const input = loadReportSets([run, cap], dir);
    expect(input.capacity).toEqual([loadCapacitySet(cap)]);
    expect(input.sources?.map((s) => [s.kind, s.file])).toEqual([
      ["run", "core/run.json"],
      ["capacity", "capacity-trader/capacity.json"],
    ]);
    const out = writeReportFor(input);
    expect(out.files).toContain("charts/capacity-p99-trader.png");
    expect(existsSync(join(dir, "charts", "capacity-p99-trader.svg"))).toBe(true);
    const md = readFileSync(join(dir, "report.md"), "utf8");
    expect(md).toContain("## Capacity\n\n### trader users (20261202T070558Z-vm)\n\nFrom [capacity-trader/capacity.json](capacity-trader/capacity.json)");
    expect(md).toMatch(/\| stack \| 100 users\? \| largest passing level \(users\) \| note \|\n\| --- \| --- \| --- \| --- \|\n\| uws \| /);
    expect(md).toContain("![p99 latency against users](charts/capacity-p99-trader.png)");
    expect(md).toContain("| [capacity-trader](capacity-trader/capacity.json) | 20261202T070558Z-vm | 0000000000 | trader users |");
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain('<a href="#capacity">Capacity</a>');
    expect(html).toContain('<figure id="chart-capacity-p99-trader"');
  }, 60_000);

  it("finds the parts of a folder of parts, skips what holds no set, and defaults the report to the folder named or the common parent", () => {
    mkdirSync(join(ref, "charts"), { recursive: true });
    writeFileSync(join(ref, "report.md"), "");
    expect(resultSetFolders([ref])).toEqual({ sets: [conn, core], skipped: [] });
    expect(resultSetFolders([join(ref, "charts"), core, join(ref, "report.md"), core, conn])).toEqual({
      sets: [core, conn],
      skipped: [join(ref, "charts"), join(ref, "report.md")],
    });
    expect(resultSetFolders([core])).toEqual({ sets: [core], skipped: [] });
    expect(defaultReportDir([ref])).toBe(ref);
    expect(defaultReportDir([core])).toBe(core);
    expect(defaultReportDir([core, conn, join(ref, "report.md")])).toBe(ref);
  });
});
