// The connections scenario's own figures from each repetition's details: how many connections were held, which OS
// limit capped or stopped the ramp, connect percentiles, handshake rate, RSS per connection and heartbeat cost.
import { detailsOf, type ConnectionsDetails } from "@wsarena/results";
import { fmtBytes, fmtCount, fmtUs } from "./format.ts";
import { isMeasured, type PointView, type ReportInput } from "./model.ts";
import type { Cell, Table } from "./tables.ts";

/**
 * A connections point as its memory-per-connection figure is judged: its other flags describe its connect rate, so
 * only integrity and errors carry over (the decision table and the memory chart read it so).
 */
export function memoryView(p: PointView): PointView {
  return { ...p, flags: p.flags.filter((f) => f === "integrity" || f === "errors") };
}

/** One connections point of one stack, averaged over its repetitions. */
export interface ConnectionsRow {
  stack: string;
  pointKey: string;
  /** Connections the profile asked for, and the ramp's target after the machine's limits. */
  requested: number;
  target: number;
  /** The limit that set the target, and the sentence saying so (first repetition). */
  cappedBy: string;
  capReason: string;
  /** Fewest connections held over the repetitions, and what stopped a ramp short (null when every one reached the target). */
  heldMin: number;
  stoppedBy: string | null;
  /** Means over repetitions. */
  connectPerSec: number;
  connectP50Us: number;
  connectP90Us: number;
  connectP99Us: number;
  rssPerConnectionBytes: number | null;
  rssPerConnectionAfterGcBytes: number | null;
  /** Heartbeat cost (server process CPU % of one core, on − off), pinned-core busy % on − off, the interval and server CPU µs per ping; null without a heartbeat phase. */
  heartbeatCostCpuPct: number | null;
  heartbeatCostCoreBusyPct: number | null;
  heartbeatIntervalS: number | null;
  cpuUsPerPing: number | null;
  /** Fewest connections the heartbeat phase held, and most that closed while its pings ran (null without the phase). */
  heartbeatHeldMin: number | null;
  heartbeatClosedMax: number | null;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanOrNull = (xs: readonly (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length ? mean(v) : null;
};

/** One row per measured connections point that carries details, in report order. */
export function connectionsRows(input: ReportInput): ConnectionsRow[] {
  const rows: ConnectionsRow[] = [];
  for (const p of input.points) {
    if (p.scenario !== "connections" || !isMeasured(p)) continue;
    const reps = p.reps
      .map((r) => ({ r, d: detailsOf("connections", r) }))
      .filter((x): x is { r: (typeof p.reps)[number]; d: ConnectionsDetails } => x.d !== null);
    if (reps.length === 0) continue;
    const first = reps[0]!.d;
    const hb = reps.map((x) => x.d.heartbeat);
    rows.push({
      stack: p.stack,
      pointKey: p.pointKey,
      requested: first.ramp.requested,
      target: first.ramp.connections,
      cappedBy: first.ramp.cappedBy,
      capReason: first.ramp.reason,
      heldMin: Math.min(...reps.map((x) => x.d.heldConnections)),
      stoppedBy: reps.map((x) => x.d.stoppedBy).find((s) => s !== null) ?? null,
      connectPerSec: mean(reps.map((x) => x.r.connect.perSec)),
      connectP50Us: mean(reps.map((x) => x.r.connect.p50Us)),
      connectP90Us: mean(reps.map((x) => x.r.connect.p90Us)),
      connectP99Us: mean(reps.map((x) => x.r.connect.p99Us)),
      rssPerConnectionBytes: meanOrNull(reps.map((x) => x.d.rssPerConnectionBytes)),
      rssPerConnectionAfterGcBytes: meanOrNull(reps.map((x) => x.d.rssPerConnectionAfterGcBytes)),
      heartbeatCostCpuPct: meanOrNull(hb.map((h) => h?.costCpuPct)),
      heartbeatCostCoreBusyPct: meanOrNull(hb.map((h) => h?.costCoreBusyPct)),
      heartbeatIntervalS: hb.find((h) => h)?.intervalS ?? null,
      cpuUsPerPing: meanOrNull(hb.map((h) => h?.cpuUsPerPing)),
      heartbeatHeldMin: hb.some((h) => h) ? Math.min(...hb.filter((h) => h).map((h) => h!.heldConnections)) : null,
      heartbeatClosedMax: hb.some((h) => h) ? Math.max(...hb.filter((h) => h).map((h) => h!.closedDuringHold)) : null,
    });
  }
  return rows;
}

const cell = (text: string, num = false): Cell => ({ text, warn: [], num, caveat: [] });

/** Whether the heartbeat phase held every connection of the target with none closed (its cost describes the full count). */
export const heartbeatHeldAll = (r: ConnectionsRow): boolean =>
  r.heartbeatHeldMin !== null && r.heartbeatHeldMin >= r.target && (r.heartbeatClosedMax ?? 0) === 0;

/** Heartbeat cost, or ⚠ with what failed when its phase did not hold every connection (then the cost describes fewer). */
function heartbeatCell(r: ConnectionsRow): Cell {
  if (r.heartbeatCostCpuPct === null) return cell("–");
  const text = `${r.heartbeatCostCpuPct.toFixed(1)} % CPU (ping every ${r.heartbeatIntervalS} s; ${r.cpuUsPerPing!.toFixed(1)} µs/ping; core busy ${r.heartbeatCostCoreBusyPct === null ? "–" : `${r.heartbeatCostCoreBusyPct >= 0 ? "+" : ""}${r.heartbeatCostCoreBusyPct.toFixed(1)} %`})`;
  if (!heartbeatHeldAll(r)) {
    return {
      text: `held ${fmtCount(r.heartbeatHeldMin ?? 0)} of ${fmtCount(r.target)}, ${fmtCount(r.heartbeatClosedMax ?? 0)} closed while pinged; ${text}`,
      warn: ["errors"],
      num: true,
      caveat: [],
    };
  }
  return cell(text, true);
}

/** The connections-at-the-limit table (held, limit, connect percentiles, handshake rate, RSS, heartbeat cost), or null. */
export function connectionsLimitTable(input: ReportInput): Table | null {
  const rows = connectionsRows(input);
  if (rows.length === 0) return null;
  const limitNotes = [...new Set(rows.map((r) => `${r.pointKey}: ${r.capReason}.`))];
  return {
    headers: [
      "Stack",
      "Point",
      "Held (target)",
      "Limit",
      "Stopped by",
      "Handshakes/s",
      "Connect p50 / p90 / p99",
      "RSS/conn",
      "RSS/conn after GC",
      "Heartbeat cost",
    ],
    rows: rows.map((r) => [
      cell(r.stack),
      cell(r.pointKey),
      cell(`${fmtCount(r.heldMin)} (${fmtCount(r.target)})`, true),
      cell(r.cappedBy === "profile" ? "none (profile)" : r.cappedBy),
      cell(r.stoppedBy ?? "–"),
      cell(fmtCount(r.connectPerSec), true),
      cell(`${fmtUs(r.connectP50Us)} / ${fmtUs(r.connectP90Us)} / ${fmtUs(r.connectP99Us)}`, true),
      cell(r.rssPerConnectionBytes === null ? "–" : fmtBytes(r.rssPerConnectionBytes), true),
      cell(r.rssPerConnectionAfterGcBytes === null ? "–" : fmtBytes(r.rssPerConnectionAfterGcBytes), true),
      heartbeatCell(r),
    ]),
    notes: [
      "Held: fewest connections open on the server over the repetitions; target: the profile's request capped by the lowest OS limit read before the ramp (Limit: profile = none was lower). Stopped by: the OS limit a connect error named when a ramp fell short.",
      ...limitNotes,
      "RSS/conn: (server RSS with the connections held − RSS before the ramp) / held; after GC: the same after POST /gc. Heartbeat cost: the server process's CPU (% of one core) while holding the same count on a server pinging every connection, minus the hold without pings; µs/ping divides it by the pings sent; core busy is the pinned core's busy share on − off (it also counts other processes on a shared machine).",
    ],
  };
}
