// The connections table and charts on a SYNTHETIC set whose connections repetitions carry the scenario's details.
import type { ConnectionsDetails } from "@wsarena/results";
import { describe, expect, it } from "vitest";
import { connectionsCharts } from "./charts/connections.ts";
import { connectionsLimitTable, connectionsRows } from "./connections.ts";
import { toReportInput } from "./load.ts";
import { syntheticResultSet } from "./test-support/synthetic.ts";

/** Details as the runner stores them: a 19,000 target set by the open-file limit; `held` < target means the ramp fell short. */
function details(held: number, costCorePct: number): ConnectionsDetails {
  return {
    limits: {
      serverOpenFiles: { soft: 20_000, hard: 20_000 },
      clientOpenFiles: { soft: 20_000, hard: 20_000 },
      ephemeralPorts: { low: 32768, high: 60999 },
      memAvailableBytes: 2 ** 34,
      fileMax: 2_466_116,
    },
    ramp: {
      requested: 100_000,
      connections: 19_000,
      cappedBy: "file-descriptors",
      reason: "19000 connections, set by the server's open-file limit (RLIMIT_NOFILE soft 20000, hard 20000) less 1000 for its own files",
      workers: 2,
      sourceAddresses: 2,
    },
    heldConnections: held,
    stoppedBy: held < 19_000 ? "file-descriptors" : null,
    rssBeforeBytes: 50 * 2 ** 20,
    rssHeldBytes: 50 * 2 ** 20 + held * 4096,
    rssAfterGcBytes: 50 * 2 ** 20 + held * 2048,
    rssPerConnectionBytes: 4096,
    rssPerConnectionAfterGcBytes: 2048,
    off: { windowMs: 3000, coreBusyPct: 1, processCpuPct: 0.5, inHold: true },
    heartbeat: {
      intervalS: 1,
      heldConnections: held,
      on: { windowMs: 3000, coreBusyPct: 1 + costCorePct, processCpuPct: 0.5 + costCorePct, inHold: true },
      costCpuPct: costCorePct,
      costCoreBusyPct: costCorePct + 1,
      pingsPerSec: held,
      cpuUsPerPing: ((costCorePct / 100) * 1e6) / held,
      closedDuringHold: 0,
      connectPerSec: 5000,
    },
    heartbeatSkipped: null,
  };
}

function inputWithDetails() {
  const set = syntheticResultSet();
  for (const m of set.measurements) {
    if (m.scenario !== "connections") continue;
    for (const p of m.points)
      for (const r of p.reps) r.details = details(m.stack === "ws" ? 17_500 : 19_000, m.stack === "ws" ? 12 : 4) as unknown as Record<string, unknown>;
  }
  return toReportInput({ dir: "/synthetic", ...set });
}

describe("connections at the machine's limit", () => {
  const input = inputWithDetails();

  it("gives per stack the count held against the target, the limit that capped it and what stopped a short ramp", () => {
    const t = connectionsLimitTable(input)!;
    const row = (stack: string) => t.rows.find((r) => r[0]!.text === stack)!.map((c) => c.text);
    expect(row("bun").slice(2, 5)).toEqual(["19.0k (19.0k)", "file-descriptors", "–"]);
    expect(row("ws").slice(2, 5)).toEqual(["17.5k (19.0k)", "file-descriptors", "file-descriptors"]);
    expect(row("bun")[9]).toMatch(/^4\.0 % CPU \(ping every 1 s; .* core busy \+5\.0 %\)$/);
    expect(row("ws")[9]).toMatch(/^held 17\.5k of 19\.0k, 0 closed while pinged; 12\.0 % CPU/);
    expect(t.rows.find((r) => r[0]!.text === "ws")![9]!.warn).toEqual(["errors"]);
    expect(t.notes!.join(" ")).toContain("RLIMIT_NOFILE soft 20000");
  });

  it("draws connect percentiles, RSS per connection held and after GC, and heartbeat cost", () => {
    const charts = connectionsCharts(input);
    expect(charts.map((c) => c.name)).toEqual(["connections-connect-time", "connections-memory", "connections-heartbeat"]);
    // ws's heartbeat phase held 17,500 of 19,000: no heartbeat bar for it.
    const bars = (charts[2]!.option as { series: Array<{ name: string; type: string; data: unknown[] }> }).series.filter((x) => x.type === "bar");
    expect(bars.find((b) => b.name === "ws")!.data).toEqual([null]);
    expect(bars.find((b) => b.name === "bun")!.data).toEqual([4]);
  });

  it("has no table and no charts for a set whose connections repetitions carry no details (older sets)", () => {
    const old = toReportInput({ dir: "/synthetic", ...syntheticResultSet() });
    expect(connectionsRows(old)).toEqual([]);
    expect(connectionsLimitTable(old)).toBeNull();
    expect(connectionsCharts(old)).toEqual([]);
  });
});
