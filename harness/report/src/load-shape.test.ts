import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareResultSets } from "./compare.ts";
import { loadReportInput } from "./load.ts";
import { pointLabel } from "./model.ts";

/** The committed reference set (written before the load shape was recorded). */
const REFERENCE = join(import.meta.dirname, "..", "fixtures", "reference-20261202");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the reference set whose uws echo-latency points record `shape`. */
function withShape(shape: string): string {
  const dir = mkdtempSync(join(tmpdir(), "wsarena-shape-"));
  dirs.push(dir);
  cpSync(REFERENCE, dir, { recursive: true });
  const file = join(dir, "uws--echo-latency.json");
  const m = JSON.parse(readFileSync(file, "utf8")) as { points: Array<Record<string, unknown>> };
  for (const p of m.points) p.loadShape = shape;
  writeFileSync(file, JSON.stringify(m));
  return dir;
}

describe("load shape in the report", () => {
  it("labels a point with its recorded shape and leaves an older set's labels as they were", () => {
    const old = loadReportInput(REFERENCE).points.filter((p) => p.scenario === "echo-latency" && p.stack === "uws");
    const shaped = loadReportInput(withShape("one-per-write")).points.filter((p) => p.scenario === "echo-latency" && p.stack === "uws");
    expect(old.length).toBeGreaterThan(0);
    expect(old.map(pointLabel)).toEqual(old.map((p) => p.pointKey));
    expect(shaped.map(pointLabel)).toEqual(old.map((p) => `${p.pointKey} one-per-write`));
  });

  it("compares an open-loop point only with one sent in the same shape (an older set's were pipelined)", () => {
    const a = loadReportInput(REFERENCE);
    const uwsLatency = a.points.filter((p) => p.scenario === "echo-latency" && p.stack === "uws").length;
    const other = compareResultSets(a, loadReportInput(withShape("one-per-write")));
    expect(other.onlyInA).toHaveLength(uwsLatency);
    expect(other.onlyInA[0]).toMatch(/^uws echo-latency /);
    const same = compareResultSets(a, loadReportInput(withShape("pipelined")));
    expect(same.onlyInA).toEqual([]);
    expect(same.onlyInB).toEqual([]);
  });
});
