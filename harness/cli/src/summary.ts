// Summary table printed at the end of a run: per scenario and point, stacks ranked, ratio to the best unflagged figure.
import type { MeasurementRecord, ValidityFlag } from "@wsarena/runner";
import { fmtNum, renderTable } from "./table.ts";

/** One ranked row of a point. */
export interface RankedRow {
  stack: string;
  /** Median headline figure. */
  value: number;
  unit: string;
  better: "higher" | "lower";
  cv: number;
  n: number;
  flags: ValidityFlag[];
  /** 1-based rank among unflagged figures, or null for a flagged figure (never a plain winner). */
  rank: number | null;
  /** value ÷ the best unflagged figure (throughput: ≤ 1; latency: ≥ 1), or null when there is none. */
  ratio: number | null;
  /** Mean busy % of the server's pinned core(s) over the windows (process CPU when unpinned). */
  serverCpuPct: number | null;
  /** Mean busy % of the client's core(s): the larger of its process CPU and its pinned cores' busy share. */
  clientCpuPct: number | null;
}

/** A scenario point with its ranked stacks. */
export interface RankedPoint {
  scenario: string;
  point: string;
  rows: RankedRow[];
}

function meanOf(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Ranks stacks per (scenario, point): unflagged figures first, best to worst; flagged ones after, unranked. */
export function rankPoints(measurements: readonly MeasurementRecord[]): RankedPoint[] {
  const out: RankedPoint[] = [];
  const scenarios = [...new Set(measurements.map((m) => m.scenario))];
  for (const scenario of scenarios) {
    const ms = measurements.filter((m) => m.scenario === scenario);
    const keys = [...new Set(ms.flatMap((m) => m.points.map((p) => p.key)))];
    for (const key of keys) {
      const rows: RankedRow[] = [];
      for (const m of ms) {
        const p = m.points.find((x) => x.key === key);
        if (!p?.summary) continue;
        rows.push({
          stack: m.stack,
          value: p.summary.median,
          unit: p.summary.unit,
          better: p.summary.better,
          cv: p.summary.cv,
          n: p.summary.n,
          flags: p.flags,
          rank: null,
          ratio: null,
          serverCpuPct: meanOf(p.reps.flatMap((r) => (r.server ? [r.server.coreBusyPct ?? r.server.cpuPct] : []))),
          clientCpuPct: meanOf(p.reps.map((r) => Math.max(r.clientCpu.utilisation * 100, r.clientCoreBusyPct ?? 0))),
        });
      }
      if (!rows.length) continue;
      const sign = rows[0]!.better === "higher" ? -1 : 1;
      rows.sort((a, b) => (a.flags.length > 0 ? 1 : 0) - (b.flags.length > 0 ? 1 : 0) || sign * (a.value - b.value));
      const clean = rows.filter((r) => r.flags.length === 0);
      const best = clean[0];
      clean.forEach((r, i) => (r.rank = i + 1));
      if (best) for (const r of rows) r.ratio = best.value === 0 ? null : r.value / best.value;
      out.push({ scenario, point: key, rows });
    }
  }
  return out;
}

/** The summary as text: one table per scenario point, then the measurements that were not ok. */
export function formatSummary(measurements: readonly MeasurementRecord[]): string {
  const parts: string[] = [];
  for (const rp of rankPoints(measurements)) {
    const rows = rp.rows.map((r) => [
      r.rank === null ? "-" : String(r.rank),
      r.stack,
      `${fmtNum(r.value, r.value < 100 ? 1 : 0)} ${r.unit}`,
      `±${fmtNum(r.cv * 100, 1)}% n=${r.n}`,
      r.ratio === null ? "—" : `${r.ratio.toFixed(2)}x`,
      r.serverCpuPct === null ? "—" : `${fmtNum(r.serverCpuPct)}%`,
      r.clientCpuPct === null ? "—" : `${fmtNum(r.clientCpuPct)}%`,
      r.flags.length ? `FLAGGED: ${r.flags.join(", ")}` : "",
    ]);
    const noWinner = rp.rows.every((r) => r.rank === null) ? "\n(every figure is flagged: no winner for this point)" : "";
    parts.push(`${rp.scenario} · ${rp.point}\n${renderTable(["rank", "stack", "median", "spread", "÷ best", "server core", "client core", "flags"], rows)}${noWinner}`);
  }
  const notOk = measurements.filter((m) => m.status !== "ok" || m.partial);
  if (notOk.length) {
    parts.push(
      `not measured / incomplete:\n${notOk
        .map((m) => `  ${m.scenario} ${m.stack}: ${m.status}${m.partial ? " (partial)" : ""}${m.reason ? ` — ${m.reason.split("\n")[0]!.slice(0, 300)}` : ""}`)
        .join("\n")}`,
    );
  }
  return parts.join("\n\n");
}
