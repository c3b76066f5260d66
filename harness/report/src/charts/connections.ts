// connections charts: connect-time percentiles, RSS per connection (held and after a forced GC) and heartbeat cost, per stack.
import { connectionsRows, heartbeatHeldAll, type ConnectionsRow } from "../connections.ts";
import { fmtBytes, fmtUs } from "../format.ts";
import type { ReportInput } from "../model.ts";
import { barChartOption, type BarStat } from "./bars.ts";
import { DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./render.ts";

const bar = (v: number | null): BarStat | null => (v === null ? null : { mean: v, min: v, max: v });

/** Bars with one category per (figure, point) and one series per stack; null when no stack has any of the figures. */
function chart(
  rows: ConnectionsRow[],
  figures: ReadonlyArray<{ label: string; of: (r: ConnectionsRow) => number | null }>,
  spec: Omit<ChartSpec, "option" | "width" | "height">,
  yName: string,
  logY: boolean,
  format: (v: number) => string,
): ChartSpec | null {
  const keys = [...new Set(rows.map((r) => r.pointKey))];
  const categories = keys.flatMap((k) => figures.map((f) => (keys.length > 1 ? `${f.label} ${k}` : f.label)));
  const stacks = [...new Set(rows.map((r) => r.stack))].sort();
  const series = stacks.map((stack) => ({
    stack,
    values: keys.flatMap((k) =>
      figures.map((f) => {
        const r = rows.find((x) => x.stack === stack && x.pointKey === k);
        return r ? bar(f.of(r)) : null;
      }),
    ),
  }));
  if (series.every((s) => s.values.every((v) => v === null))) return null;
  return { ...spec, width: DEFAULT_CHART_WIDTH, height: DEFAULT_CHART_HEIGHT, option: barChartOption({ categories, series, yName, logY, format }) };
}

/** The connections charts that have data (connect time, memory, heartbeat cost). */
export function connectionsCharts(input: ReportInput): ChartSpec[] {
  const rows = connectionsRows(input);
  if (rows.length === 0) return [];
  const held = [...new Set(rows.map((r) => `${r.pointKey}: ${r.cappedBy === "profile" ? "as requested" : `capped by ${r.cappedBy}`}`))].join("; ");
  const out = [
    chart(
      rows,
      [
        { label: "p50", of: (r) => r.connectP50Us },
        { label: "p90", of: (r) => r.connectP90Us },
        { label: "p99", of: (r) => r.connectP99Us },
      ],
      {
        name: "connections-connect-time",
        title: "Connect time while ramping",
        caption: `TCP connect + WebSocket upgrade (socket.io: its handshake) per connection while ramping to the target (${held}); mean over repetitions of each percentile; lower is better. Handshakes per second are in the connections scenario chart and table.`,
      },
      "connect time",
      true,
      fmtUs,
    ),
    chart(
      rows,
      [
        { label: "held", of: (r) => r.rssPerConnectionBytes },
        { label: "after GC", of: (r) => r.rssPerConnectionAfterGcBytes },
      ],
      {
        name: "connections-memory",
        title: "RSS per idle connection",
        caption:
          "Server RSS growth per held connection: (RSS with the connections held − RSS before the ramp) / held, and the same after a forced full GC (POST /gc). Mean over repetitions; lower is better.",
      },
      "RSS per connection",
      false,
      fmtBytes,
    ),
    chart(
      rows,
      [{ label: "heartbeat cost", of: (r) => (heartbeatHeldAll(r) ? r.heartbeatCostCpuPct : null) }],
      {
        name: "connections-heartbeat",
        title: "CPU cost of heartbeats while holding",
        caption: `Server process CPU while holding the same connections with WSARENA_PING_INTERVAL_S=${rows.find((r) => r.heartbeatIntervalS !== null)?.heartbeatIntervalS ?? "?"} (a ping to every connection per interval), minus the same hold without pings; % of one core, mean over repetitions; lower is better. A stack whose heartbeat phase lost connections has no bar (see the connections table). The pinned core's busy share on − off is in the table.`,
      },
      "server CPU, heartbeats on − off",
      false,
      (v) => `${v.toFixed(1)} %`,
    ),
  ];
  return out.filter((c): c is ChartSpec => c !== null);
}
