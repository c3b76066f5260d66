import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadResultSet, writeJsonAtomic } from "./io.ts";
import { SCHEMA_VERSION } from "./schema.ts";

/** A real result set written by runMatrix (ws and bun, echo-throughput and connections, quick profile, 2 reps). */
const FIXTURE = join(import.meta.dirname, "fixtures", "real-quick-ws-bun");

const tmp: string[] = [];
function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "wsarena-results-"));
  tmp.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}
afterEach(() => {
  for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("loadResultSet", () => {
  it("validates a real result set and returns run.json and every measurement", () => {
    const set = loadResultSet(FIXTURE);
    expect(set.run.schemaVersion).toBe(SCHEMA_VERSION);
    expect(set.run.status).toBe("complete");
    expect(set.measurements.map((m) => `${m.stack}--${m.scenario}`).sort()).toEqual([
      "bun--connections",
      "bun--echo-throughput",
      "ws--connections",
      "ws--echo-throughput",
    ]);
    for (const m of set.measurements) {
      expect(m.status).toBe("ok");
      for (const p of m.points) {
        expect(p.reps).toHaveLength(2);
        expect(p.summary!.n).toBe(2);
        for (const r of p.reps) {
          expect(r.server!.samples.length).toBeGreaterThan(0);
          expect(r.statsAfter!.connectionsTotal).toBeGreaterThan(r.statsBefore!.connectionsTotal);
        }
      }
    }
    const echo = set.measurements.find((m) => m.scenario === "echo-throughput")!;
    expect(echo.points[0]!.reps[0]!.histogram).toMatch(/^[A-Za-z0-9+/=]+$/);
    const conns = set.measurements.find((m) => m.scenario === "connections")!;
    expect(conns.points[0]!.reps[0]!.rssPerConnectionBytes).toBeGreaterThan(0);
  });

  it("names the file and the field when a measurement file is invalid", () => {
    const dir = copyFixture();
    const file = join(dir, "ws--echo-throughput.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    m.points[0].reps[0].msgsPerSec = "fast";
    writeFileSync(file, JSON.stringify(m));
    expect(() => loadResultSet(dir)).toThrow(/ws--echo-throughput\.json is not a valid measurement file: points\.0\.reps\.0\.msgsPerSec/);
  });

  it("rejects a result set of another schema version with what to do", () => {
    const dir = copyFixture();
    const file = join(dir, "run.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), schemaVersion: 99 }));
    expect(() => loadResultSet(dir)).toThrow(/schemaVersion 99, this wsarena reads versions 1, 2; use a matching wsarena checkout/);
  });

  it("migrates a version 1 set on read: new measurements null or empty, summaries gain their interval from the stored reps", () => {
    const dir = copyFixture();
    const raw = JSON.parse(readFileSync(join(dir, "ws--echo-throughput.json"), "utf8"));
    expect(raw.schemaVersion).toBe(1);
    const set = loadResultSet(dir);
    expect(set.run.schemaVersion).toBe(2);
    expect(set.run.timing).toBeNull();
    const m = set.measurements.find((x) => x.stack === "ws" && x.scenario === "echo-throughput")!;
    const p = m.points[0]!;
    expect(p.stop).toBe("fixed");
    expect(p.reps.every((r) => r.floor.length === 0 && r.schedulerLag === null && r.quietGate === null && r.stealPct === null)).toBe(true);
    const values = p.reps.map((r) => r.msgsPerSec);
    expect(p.summary!.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    expect(p.summary!.ci95Lo).toBeLessThan(p.summary!.mean);
    expect(p.summary!.ci95Hi).toBeGreaterThan(p.summary!.mean);
  });

  it("rejects a folder without run.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsarena-empty-"));
    tmp.push(dir);
    expect(() => loadResultSet(dir)).toThrow(/run\.json is missing/);
  });
});

describe("writeJsonAtomic", () => {
  it("replaces the file and leaves no temporary file behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsarena-atomic-"));
    tmp.push(dir);
    const file = join(dir, "x.json");
    writeJsonAtomic(file, { a: 1 });
    writeJsonAtomic(file, { a: 2 });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ a: 2 });
    expect(readdirSync(dir)).toEqual(["x.json"]);
  });
});
