// The decision table's CPU column and the cpu section's table on a real quick run (fixtures/quick-cpu), and on an older set without them.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { geoMean, mean } from "@wsarena/stats";
import { costPerMillionFromCpuUs, CPU_SCENARIO, cpuUsPerMsg, fmtCpuUs } from "./cpu-figures.ts";
import { cpuTable } from "./cpu-table.ts";
import { fmtUsd } from "./format.ts";
import { loadReportInput } from "./load.ts";
import { rankEntry, rankPoint } from "./rank.ts";
import { decisionTable } from "./decision-table.ts";
import { REAL_FIXTURE_DIR } from "./test-support/index.ts";

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/quick-cpu");
const input = loadReportInput(FIXTURE);
const PRICE_USD = 0.0504;
const col = (t: { headers: string[] }, prefix: string): number => t.headers.findIndex((h) => h.startsWith(prefix));

describe("decision table: CPU µs/msg at the fixed rates", () => {
  const col = decisionTable(input).columns.find((c) => c.question.startsWith("CPU µs/msg"))!;
  const pointOf = (key: string, stack: string) => input.points.find((p) => p.stack === stack && p.scenario === CPU_SCENARIO && p.pointKey === key)!;

  it("has one figure per fixed-rate point, naming its rate, connections and arrival shape", () => {
    expect(col.question).toBe("CPU µs/msg = cores per 1M msg/s");
    expect(col.parts.map((p) => p.where)).toEqual([
      "cpu echo-20k/s, 5 conn, pipelined",
      "cpu stream-10rx-2k/s, server-paced",
      "cpu pubsub-100sub-200/s, pipelined",
    ]);
  });

  it("shows each stack's geometric mean µs/msg (the mean the ranking uses) and bolds the winner of each point's verdict", () => {
    for (const [i, key] of ["echo-20k/s", "stream-10rx-2k/s", "pubsub-100sub-200/s"].entries()) {
      const part = col.parts[i]!;
      const v = rankPoint(
        input.stacks.map((s) => rankEntry(s, pointOf(key, s).reps, "serverCpuUsPerMsg", pointOf(key, s).flags, pointOf(key, s).status)),
        "lower",
      );
      for (const s of input.stacks) {
        expect(part.figures[s]!.text).toBe(fmtCpuUs(geoMean(cpuUsPerMsg(pointOf(key, s)))));
        expect(part.figures[s]!.best).toBe(v.winner === s);
      }
      expect(part.decided === null).toBe(v.winner === null);
    }
  });

  it("says how to measure it for a result set that has no fixed-rate point", () => {
    const dt = decisionTable(loadReportInput(REAL_FIXTURE_DIR));
    expect(dt.columns.some((c) => c.question.startsWith("CPU"))).toBe(false);
    expect(dt.cannotTell).toContain(
      "CPU µs per message at a fixed rate (and cores per 1M msg/s): no fixed-rate point in this set (it predates the cpu scenario, or the run left it out) — run `pnpm wsarena run --profile standard --scenarios cpu`.",
    );
  });
});

describe("$ per 1M msg from CPU µs/msg", () => {
  it("is the vCPU-hour price times µs/msg over 3.6e9 µs per hour, times a million", () => {
    expect(costPerMillionFromCpuUs(50, 0.036)).toBeCloseTo(0.0005, 12);
    expect(costPerMillionFromCpuUs(100, 0.036)).toBeCloseTo(2 * costPerMillionFromCpuUs(50, 0.036), 12);
  });
});

describe("cpu table", () => {
  const t = cpuTable(input, PRICE_USD)!;

  it("has a row per fixed-rate point and stack, naming the rate and the arrival shape", () => {
    expect(t.rows).toHaveLength(3 * input.stacks.length);
    expect(new Set(t.rows.map((r) => r[0]!.text))).toEqual(
      new Set(["echo-20k/s, 5 conn, pipelined", "stream-10rx-2k/s, server-paced", "pubsub-100sub-200/s, pipelined"]),
    );
  });

  it("gives each row's CV of µs/msg and the cost derived from its mean", () => {
    for (const r of t.rows) {
      const p = input.points.find((q) => q.scenario === CPU_SCENARIO && q.stack === r[1]!.text && r[0]!.text.startsWith(q.pointKey))!;
      const us = cpuUsPerMsg(p);
      expect(r[col(t, "CV")]!.text).toMatch(/^\d+\.\d%$/);
      expect(r[col(t, "$ per 1M")]!.text).toBe(fmtUsd(costPerMillionFromCpuUs(mean(us), PRICE_USD)));
    }
  });

  it("is absent from a result set without the cpu scenario", () => {
    expect(cpuTable(loadReportInput(REAL_FIXTURE_DIR), PRICE_USD)).toBeNull();
  });
});
