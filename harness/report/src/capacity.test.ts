import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { capacityCharts, isCapacitySet, largestText, loadCapacitySet, verdictText, writeCapacityReport } from "./capacity.ts";

/** harness/report/fixtures/capacity: a real capacity.json written by `wsarena capacity` (uws, trader). */
const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/capacity");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const copy = (): string => {
  const d = mkdtempSync(join(tmpdir(), "wsarena-capreport-"));
  dirs.push(d);
  cpSync(join(FIXTURE, "capacity.json"), join(d, "capacity.json"));
  return d;
};

describe("capacity report", () => {
  it("recognises a capacity set and validates it", () => {
    expect(isCapacitySet(FIXTURE)).toBe(true);
    const rec = loadCapacitySet(FIXTURE);
    expect(rec.kind).toBe("capacity");
    expect(rec.results.length).toBeGreaterThan(0);
  });

  it("draws p99, CPU and RSS against users on a log x axis with each criterion as a dashed line", () => {
    const rec = loadCapacitySet(FIXTURE);
    const charts = capacityCharts(rec);
    expect(charts.map((c) => c.name)).toEqual(["capacity-p99", "capacity-cpu", "capacity-rss"]);
    for (const c of charts) expect((c.option.xAxis as { type: string }).type).toBe("log");
    const marks = charts.map((c) => ((c.option.series as Array<{ markLine?: { data: Array<{ name: string }> } }>)[0]!.markLine?.data ?? []).map((d) => d.name));
    expect(marks).toEqual([["p99<50ms"], ["cpu<80%"], ["rss<2GiB"]]);
  });

  it("writes report.md and report.html with the verdict table and the charts", () => {
    const dir = copy();
    const out = writeCapacityReport(dir);
    expect(out.files).toEqual(expect.arrayContaining(["report.md", "report.html", "charts/capacity-p99.svg", "charts/capacity-p99.png"]));
    const rec = loadCapacitySet(dir);
    const md = readFileSync(join(dir, "report.md"), "utf8");
    for (const r of rec.results) expect(md).toContain(`| ${r.stack} | ${verdictText(r)} |`);
    expect(md).toContain("![p99 latency against users](charts/capacity-p99.png)");
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain("<h2>Verdicts</h2>");
    expect(html).toContain("p99&lt;50ms");
  });

  it("rejects a file that is not a capacity record with one readable line", () => {
    const dir = copy();
    writeFileSync(join(dir, "capacity.json"), JSON.stringify({ kind: "capacity" }));
    expect(() => loadCapacitySet(dir)).toThrow(/is not a valid capacity file: /);
  });

  it("shows a ladder stopped at the machine's limit as that limit: verdict, largest level, the step beyond it and a note", () => {
    const dir = copy();
    const rec = JSON.parse(readFileSync(join(dir, "capacity.json"), "utf8"));
    const r = rec.results[0];
    const upTo = r.steps.filter((s: { users: number; phase: string }) => s.phase === "ladder" && s.users <= 2000);
    const atLimit = { ...upTo.at(-1), users: 2500, connections: 5000 };
    const beyond = {
      ...atLimit,
      users: 5000,
      connections: 10000,
      verdict: "limit",
      failures: [],
      latency: null,
      latencyByKind: {},
      window: null,
      error: null,
      serverCpuPct: null,
      serverCoreBusyPct: null,
      foreignCpuPct: null,
      rssBytes: null,
      clientCpuPct: 0,
      floorP99Us: null,
      flags: [],
    };
    r.steps = [...upTo, atLimit, beyond];
    r.limit = {
      cap: "file-descriptors",
      value: 6000,
      connections: 5000,
      users: 2500,
      reason: "the server's open-file limit (RLIMIT_NOFILE soft 6000, hard 6000) less 1000 for its own files allows 5000 connections",
    };
    Object.assign(r, { verdict: "limit", verdictFailures: [], largestPassingUsers: 2500, largestPassingIsLowerBound: true });
    rec.config.users = 5000;
    writeFileSync(join(dir, "capacity.json"), JSON.stringify(rec));
    writeCapacityReport(dir);
    const loaded = loadCapacitySet(dir).results[0]!;
    expect(verdictText(loaded)).toBe(
      "limit: file-descriptors (the server's open-file limit (RLIMIT_NOFILE soft 6000, hard 6000) less 1000 for its own files allows 5000 connections; 2500 users)",
    );
    expect(largestText(loaded)).toBe("≥ 2500 (machine limit)");
    const md = readFileSync(join(dir, "report.md"), "utf8");
    expect(md).toContain(`| uws | ${verdictText(loaded)} | ≥ 2500 (machine limit) |`);
    expect(md).toMatch(/\| 5000 \| ladder \| – \| – \|.*\| limit: file-descriptors allows 2500 users \|/);
    expect(md).toContain("- Machine limit for uws: 2500 users (limit: file-descriptors");
    expect(md).not.toMatch(/\berror\b.*5000/);
  });

  it("loads a capacity.json written before capacity read the limits (no limit field)", () => {
    const rec = loadCapacitySet(FIXTURE);
    expect(rec.results.every((r) => r.limit === undefined)).toBe(true);
    expect(largestText(rec.results[0]!)).toBe(String(rec.results[0]!.largestPassingUsers));
  });
});
