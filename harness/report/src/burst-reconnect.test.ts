// The failure scenarios' report parts on a real result set (fixtures/failure: burst and reconnect, uws and ws).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { drainTable, burstReconnectChart, burstReconnectTables, recoveryChart, recoveryTable, stormTable } from "./burst-reconnect.ts";
import { fmtUs } from "./format.ts";
import { loadReportInput } from "./load.ts";

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/failure");
const input = loadReportInput(FIXTURE);
const col = (t: { headers: string[] }, name: string) => t.headers.indexOf(name);

describe("failure report parts", () => {
  it("storm table: one row per stack, every attempt accounted for by its outcome columns", () => {
    const t = stormTable(input)!;
    expect(t.rows.map((r) => r[0]!.text)).toEqual(["uws", "ws"]);
    for (const r of t.rows) {
      expect(r[col(t, "Attempts")]!.text).toBe("2.00k");
      const outcomeCols = ["Open", "Refused", "Reset", "Timeout", "Other"].map((h) => Number(r[col(t, h)]!.text.replace(/k$/, "e3")));
      expect(outcomeCols.reduce((a, b) => a + b, 0)).toBe(2000);
      expect(r[col(t, "Connect p99")]!.text).toMatch(/ms$/);
    }
  });

  it("drain table: backlog, latency and drain time per stack from details", () => {
    const t = drainTable(input)!;
    const ws = t.rows.find((r) => r[0]!.text === "ws")!;
    const rep = input.points.find((p) => p.stack === "ws" && p.params.kind === "message-burst")!.reps[0]!;
    expect(ws[col(t, "Drain time")]!.text).toBe(fmtUs((rep.details!.drainMs as number) * 1000));
  });

  it("recovery table: a row per stack and policy with every subscriber recovered", () => {
    const t = recoveryTable(input)!;
    expect(t.rows.map((r) => `${r[0]!.text}/${r[1]!.text}`)).toEqual([
      "uws/no-jitter",
      "ws/no-jitter",
      "uws/full-jitter",
      "ws/full-jitter",
      "uws/equal-jitter",
      "ws/equal-jitter",
    ]);
    for (const r of t.rows) expect(r[col(t, "Recovered")]!.text).toBe("500/500");
    // The herd: with no-jitter, ws's reconnects bunch up more than with full-jitter, and their connect p99 spikes.
    const ws = (pol: string) => t.rows.find((r) => r[0]!.text === "ws" && r[1]!.text === pol)!;
    expect(Number(ws("no-jitter")[col(t, "Peak reconnects/100 ms")]!.text)).toBeGreaterThan(Number(ws("full-jitter")[col(t, "Peak reconnects/100 ms")]!.text));
  });

  it("recovery chart: p50 and p99 per policy, one series per stack, replacing the generic scenario chart", () => {
    const ch = recoveryChart(input)!;
    expect(burstReconnectChart(input, "reconnect")).toMatchObject({ name: "scenario-reconnect", title: ch.title });
    expect(burstReconnectChart(input, "burst")).toBeNull();
    const option = ch.option as { xAxis: { data: string[] } | Array<{ data: string[] }>; series: Array<{ name?: string }> };
    const x = Array.isArray(option.xAxis) ? option.xAxis[0]! : option.xAxis;
    expect(x.data).toEqual(["no-jitter p50", "no-jitter p99", "full-jitter p50", "full-jitter p99", "equal-jitter p50", "equal-jitter p99"]);
    expect(burstReconnectTables(input, "burst")).toHaveLength(2);
    expect(burstReconnectTables(input, "echo-throughput")).toEqual([]);
  });
});
