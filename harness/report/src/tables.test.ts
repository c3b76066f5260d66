// Scenario tables on a SYNTHETIC set: latency next to its floor with at-floor percentiles marked, and how repetitions went.
import { latencyFloorTable } from "./floor-table.ts";
import { describe, expect, it } from "vitest";
import { toReportInput } from "./load.ts";
import { AT_FLOOR_MARK, repetitionsText, scenarioTable } from "./tables.ts";
import { decisionTable } from "./decision-table.ts";
import { syntheticResultSet } from "./test-support/synthetic.ts";

const input = toReportInput({ dir: "/synthetic", ...syntheticResultSet() });

describe("latency next to the floor", () => {
  const t = latencyFloorTable(input, "echo-latency")!;
  const row = (point: string, stack: string): string[] => t.rows.find((r) => r[0]!.text === point && r[1]!.text === stack)!.map((c) => c.text);
  const col = (name: string): number => t.headers.indexOf(name);

  it("shows p50/p90/p99/p99.9/max next to the floor's same percentiles, the scheduler lag p99 and client busy", () => {
    expect(t.headers).toEqual([
      "Point",
      "Stack",
      "p50",
      "p90",
      "p99",
      "p99.9",
      "max",
      "floor p50",
      "floor p90",
      "floor p99",
      "floor p99.9",
      "floor max",
      "Sched. lag p99",
      "Client busy",
    ]);
    expect(row("1000/s", "bun")[col("floor p99")]).toMatch(/^\d{3} µs$/);
    expect(row("1000/s", "bun")[col("Sched. lag p99")]).toMatch(/^\d+(\.\d)? µs$/);
    expect(row("1000/s", "bun")[col("Client busy")]).toBe("80%");
  });

  it("marks a percentile within 2× of the floor's and leaves the others plain", () => {
    const p = input.points.find((q) => q.stack === "bun" && q.pointKey === "1000/s")!;
    expect(p.reps.every((r) => r.atFloor.includes("p99Us"))).toBe(true);
    const bun = t.rows.find((r) => r[0]!.text === "1000/s" && r[1]!.text === "bun")!;
    expect(bun[col("p99")]!.text).toMatch(new RegExp(`^\\d+ µs ${AT_FLOOR_MARK}$`));
    expect(bun[col("p99")]!.warn).toEqual(["at-floor"]);
    // ws at 1000/s is ~4× slower than the floor at p99: no mark.
    expect(row("1000/s", "ws")[col("p99")]).not.toContain(AT_FLOOR_MARK);
    expect(t.notes!.join(" ")).toContain("describes the machine, not the stack");
  });

  it("says the floor was not measured for a set without one (as a migrated v1 set), without failing", () => {
    const v1 = latencyFloorTable(toReportInput({ dir: "/synthetic", ...syntheticResultSet({ floor: false }) }), "echo-latency")!;
    expect(v1.rows[0]![v1.headers.indexOf("floor p99")]!.text).toBe("not measured");
    expect(v1.rows.flat().some((c) => c.text.includes(AT_FLOOR_MARK))).toBe(false);
    expect(v1.notes).toEqual([expect.stringMatching(/^floor not measured in this run/)]);
  });

  it("is absent for a scenario whose headline is not a latency (closed-loop throughput, connections)", () => {
    expect(latencyFloorTable(input, "echo-throughput")).toBeNull();
    expect(latencyFloorTable(input, "connections")).toBeNull();
  });
});

describe("repetitions column", () => {
  it("gives the count and stop reason, then outliers, quiet-gate waits and steal only where non-zero", () => {
    const p = input.points.find((q) => q.stack === "uws" && q.scenario === "echo-throughput")!;
    expect(repetitionsText(p)).toBe("5, fixed");
    const reps = p.reps.map((r, i) => ({
      ...r,
      stealPct: i === 1 ? 2.5 : 0,
      quietGate: { ok: i !== 2, attempts: i === 2 ? 3 : 1, waitedMs: i === 2 ? 1500 : 0, reasons: [] },
    }));
    const summary = { ...p.summary!, outliers: { lowSevere: 0, lowMild: 1, highMild: 0, highSevere: 1 } };
    expect(repetitionsText({ ...p, reps, summary, stop: "ci-tight" })).toBe(
      "5, ci-tight; outliers: 1 low mild, 1 high severe; quiet-gate wait 1.5 s (2 retries, 1 never quiet); steal ≤ 2.5%",
    );
  });
});

describe("decision table of a set without core scenarios", () => {
  it("leaves the core questions open with the command that measures them, instead of ranking a storm as latency", () => {
    const relabel = (scenario: string) => ({ ...input, scenarios: [scenario], points: input.points.map((p) => ({ ...p, scenario })) });
    const dt = decisionTable(relabel("burst"));
    expect(dt.columns.map((c) => c.question)).not.toContain("Echo latency");
    expect(dt.cannotTell).toContain("Echo latency: not measured in this set — run `pnpm wsarena run --profile standard --scenarios echo-latency`.");
    expect(decisionTable(input).columns[0]!.question).toBe("Peak msg/s");
  });
});

describe("client CPU per received message in the scenario table", () => {
  const withUs = (usPerMsg: (rep: number) => number | undefined) => {
    const set = syntheticResultSet();
    for (const m of set.measurements)
      for (const p of m.points)
        p.reps.forEach((r, i) => {
          const v = usPerMsg(i);
          if (v !== undefined) r.clientCpu = { ...r.clientCpu, usPerMsg: v };
        });
    return scenarioTable(toReportInput({ dir: "/synthetic", ...set }), "echo-latency");
  };
  const cell = (t: ReturnType<typeof scenarioTable>): string =>
    t.rows.find((r) => r[0]!.text === "1000/s" && r[1]!.text === "bun")![t.headers.indexOf("Client busy")]!.text;

  it("follows the busy share with the mean over repetitions", () => {
    expect(cell(withUs(() => 3.25))).toBe("80% · 3.25 µs/msg");
    const reps = input.points.find((q) => q.stack === "bun" && q.pointKey === "1000/s")!.reps.length;
    // One repetition at 1 µs, the others at 2 µs: the mean sits between.
    expect(cell(withUs((i) => (i === 0 ? 1 : 2)))).toBe(`80% · ${(2 - 1 / reps).toFixed(2)} µs/msg`);
  });
  it("leaves the busy share alone where the set does not carry it (older sets)", () => {
    expect(cell(withUs(() => undefined))).toBe("80%");
  });
});
