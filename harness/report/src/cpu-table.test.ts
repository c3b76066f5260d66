// The headline's CPU columns and the cpu section's table on a real quick run (fixtures/quick-cpu), and on an older set without them.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { mean, meanInterval } from "@wsarena/stats";
import { costPerMillionFromCpuUs, CPU_SCENARIO, cpuUsPerMsg, fmtCpuUs, NO_CPU_POINT_REASON } from "./cpu-figures.ts";
import { cpuTable } from "./cpu-table.ts";
import { fmtUsd } from "./format.ts";
import { loadReportInput } from "./load.ts";
import { rankEntry, rankPoint } from "./rank.ts";
import { headlineTable } from "./tables.ts";
import { REAL_FIXTURE_DIR } from "./test-support/index.ts";

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/quick-cpu");
const input = loadReportInput(FIXTURE);
const PRICE_USD = 0.0504;
const col = (t: { headers: string[] }, prefix: string): number => t.headers.findIndex((h) => h.startsWith(prefix));

describe("headline CPU columns", () => {
  const t = headlineTable(input, PRICE_USD);
  const echoPoint = (stack: string) => input.points.find((p) => p.stack === stack && p.scenario === CPU_SCENARIO && p.pointKey === "echo-20k/s")!;

  it("names the fixed-rate point, its connections and its arrival shape in the header", () => {
    expect(t.headers[col(t, "CPU µs/msg")]).toBe("CPU µs/msg (cpu echo-20k/s, 5 conn, pipelined; mean [95 % CI])");
    expect(t.headers).toContain("cores per 1M msg/s");
    expect(t.headers).toContain("$ per 1M msg");
    expect(t.headers).not.toContain("msg per CPU-s");
  });

  it("shows each stack's mean CPU µs/msg with its 95 % interval, the same number as cores per 1M msg/s, and $ from µs/msg", () => {
    const stacks = t.rows.slice(0, -1);
    expect(stacks.map((r) => r[0]!.text)).toEqual(input.stacks);
    for (const r of stacks) {
      const us = cpuUsPerMsg(echoPoint(r[0]!.text));
      expect(us.length).toBeGreaterThanOrEqual(2);
      const ci = meanInterval(us);
      expect(r[col(t, "CPU µs/msg")]!.text).toBe(`${fmtCpuUs(mean(us))} [${fmtCpuUs(ci.low)}–${fmtCpuUs(ci.high)}]`);
      expect(r[col(t, "cores per 1M")]!.text).toBe(fmtCpuUs(mean(us)));
      expect(r[col(t, "$ per 1M")]!.text).toBe(fmtUsd((PRICE_USD * mean(us)) / 3600));
    }
  });

  it("decides the column by the pooled intervals of µs/msg, lower is better, and the winner's cells are bold", () => {
    const v = rankPoint(
      input.stacks.map((s) => {
        const p = echoPoint(s);
        return rankEntry(s, p.reps, "serverCpuUsPerMsg", p.flags, p.status);
      }),
      "lower",
    );
    const decided = t.rows.at(-1)!;
    expect(decided[0]!.text).toBe("Decided");
    if (v.winner) {
      expect(decided[col(t, "CPU µs/msg")]!.text.startsWith(`${v.winner} (`)).toBe(true);
      expect(decided[col(t, "$ per 1M")]!.text).toBe("as CPU µs/msg");
      const row = t.rows.find((r) => r[0]!.text === v.winner)!;
      expect([col(t, "CPU µs/msg"), col(t, "cores per 1M"), col(t, "$ per 1M")].every((i) => row[i]!.best)).toBe(true);
    } else {
      expect(decided[col(t, "CPU µs/msg")]!.text).toBe(`no decision: ${v.noDecision}`);
    }
  });

  it("shows – with the reason for a result set that has no fixed-rate point", () => {
    const old = headlineTable(loadReportInput(REAL_FIXTURE_DIR), PRICE_USD);
    expect(old.headers[col(old, "CPU µs/msg")]).toBe("CPU µs/msg");
    for (const r of old.rows) for (const h of ["CPU µs/msg", "cores per 1M", "$ per 1M"]) expect(r[col(old, h)]!.text).toBe("–");
    expect(old.notes!.some((n) => n.includes(NO_CPU_POINT_REASON))).toBe(true);
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
