// Summary printed at the end of a run: per scenario point, stacks in the order the report's ranking decides (ratio
// intervals, 95 % family-wise; ties grouped; latency at the highest percentile clear of the floor), the verdict line, and
// the stacks left unranked with why.
import {
  clientCoreBusyOf,
  serverCpuOf,
  decidePercentile,
  isPercentileName,
  percentileLabel,
  pointFlagsOf,
  windowFlagsAt,
  type LatencyDecision,
  type LoadShapeId,
  type MeasurementRecord,
  type PointRecord,
  type ValidityFlag,
} from "@wsarena/results";
import { CAVEAT_FLAGS, formatVerdict, rankEntry, rankPoint, type Verdict } from "@wsarena/report/rank";
import { fmtNum } from "@wsarena/format";
import { renderTable } from "./table.ts";

/** One row of a point. */
export interface RankedRow {
  stack: string;
  /** Geometric mean of the ranked figure over the repetitions (the mean the ranking uses). */
  value: number;
  unit: string;
  better: "higher" | "lower";
  cv: number;
  n: number;
  flags: ValidityFlag[];
  /** 1-based position of its tie group (tied stacks share it), or null when the figure is unranked. */
  rank: number | null;
  /** True when the stack shares its group with others (no decided order among them). */
  tied: boolean;
  /** Why the figure is unranked (flags that make it not a server property), or null. */
  unranked: string | null;
  /** Geometric mean ÷ that of the best ranked stack (throughput: ≤ 1; latency: ≥ 1), or null when none is ranked. */
  ratio: number | null;
  /** Mean busy % of the server's pinned core(s) over the windows (process CPU when unpinned). */
  serverCpuPct: number | null;
  /** Mean busy % of the client's core(s): the larger of its process CPU and its pinned cores' busy share. */
  clientCpuPct: number | null;
}

/** A scenario point with its ranked stacks and the verdict. */
export interface RankedPoint {
  scenario: string;
  point: string;
  /** Load shape recorded with an open-loop point, or null (other points; sets older than the field, which sent pipelined: loadShapeOf). */
  loadShape: LoadShapeId | null;
  /** Ranked stacks best first (tie groups in order), then the unranked ones. */
  rows: RankedRow[];
  /** The ranking by ratio intervals (shared with the report's findings). */
  verdict: Verdict;
  /** The verdict as one line, e.g. `bun > uws (×1.90, 98.3 % CI 1.70–2.10) > {ws ≈ deno} (...)`. */
  verdictLine: string;
  /** Latency points: the percentile ranked at and why higher ones were passed over (see decidePercentile); else null. */
  decision: LatencyDecision | null;
}

const STACK_BOUND: readonly ValidityFlag[] = ["integrity", "errors"];

/** A point's flags at the decided percentile (percentile flags recomputed per repetition, then the point rule). */
function flagsAt(p: PointRecord, decision: LatencyDecision | null): ValidityFlag[] {
  if (!decision) return p.flags;
  const q = decision.percentile;
  return pointFlagsOf(
    p.reps.map((r) => windowFlagsAt(r, q)),
    p.reps.flatMap((r) => (r.latency ? [r.latency[q]] : [])),
  );
}

function meanOf(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Ranks stacks per (scenario, point) with the report's rule (see @wsarena/report/rank RANKING_RULE). */
export function rankPoints(measurements: readonly MeasurementRecord[]): RankedPoint[] {
  const out: RankedPoint[] = [];
  const scenarios = [...new Set(measurements.map((m) => m.scenario))];
  for (const scenario of scenarios) {
    const ms = measurements.filter((m) => m.scenario === scenario);
    const keys = [...new Set(ms.flatMap((m) => m.points.map((p) => p.key)))];
    for (const key of keys) {
      const found = ms.flatMap((m) => {
        const p = m.points.find((x) => x.key === key);
        return p?.summary ? [{ m, p, summary: p.summary }] : [];
      });
      if (!found.length) continue;
      const { better } = found[0]!.summary;
      const headline = found[0]!.summary.metric;
      const decision = isPercentileName(headline)
        ? decidePercentile(
            found
              .filter(({ m, p }) => m.status === "ok" && !p.reps.some((r) => r.flags.some((f) => STACK_BOUND.includes(f))))
              .map(({ m, p }) => ({ stack: m.stack, windows: p.reps })),
          )
        : null;
      const metric = decision?.percentile ?? headline;
      const verdict = rankPoint(
        found.map(({ m, p }) => rankEntry(m.stack, p.reps, metric, flagsAt(p, decision), m.status)),
        better,
      );
      const best = verdict.ranked[0];
      const rows: RankedRow[] = found.map(({ m, p, summary }) => {
        const r = verdict.ranked.find((x) => x.stack === m.stack);
        const u = verdict.unranked.find((x) => x.stack === m.stack);
        const entry = rankEntry(m.stack, p.reps, metric, [], m.status);
        const positive = entry.values.filter((v) => v > 0);
        return {
          stack: m.stack,
          value: positive.length ? Math.exp(positive.reduce((a, v) => a + Math.log(v), 0) / positive.length) : summary.median,
          unit: summary.unit,
          better: summary.better,
          cv: summary.cv,
          n: summary.n,
          flags: flagsAt(p, decision),
          rank: r ? r.group + 1 : null,
          tied: r ? verdict.groups[r.group]!.length > 1 : false,
          unranked: u ? u.reason : null,
          ratio: best && r ? r.geoMean / best.geoMean : best && u && Number.isFinite(u.geoMean) ? u.geoMean / best.geoMean : null,
          serverCpuPct: meanOf(
            p.reps.flatMap((x) => {
              const cpu = serverCpuOf(x);
              const v = cpu.coreBusyPct ?? cpu.processPct;
              return v === null ? [] : [v];
            }),
          ),
          clientCpuPct: meanOf(p.reps.map((x) => Math.max(x.clientCpu.utilisation * 100, clientCoreBusyOf(x) ?? 0))),
        };
      });
      const order = (row: RankedRow): number => {
        const i = verdict.ranked.findIndex((x) => x.stack === row.stack);
        return i >= 0 ? i : verdict.ranked.length + verdict.unranked.findIndex((x) => x.stack === row.stack);
      };
      rows.sort((a, b) => order(a) - order(b));
      const passed = decision?.passed.length
        ? `: ${decision.passed.map((x) => `${percentileLabel(x.percentile)} at the floor (${x.atFloor.join(", ")})`).join("; ")}`
        : "";
      const decided = decision
        ? `${percentileLabel(decision.percentile)} decided${passed}${decision.fallback ? `; still at the floor there: ${decision.atFloor.join(", ")}` : ""}`
        : "";
      out.push({
        scenario,
        point: decided ? `${key} (${decided})` : key,
        loadShape: found[0]!.p.loadShape ?? null,
        rows,
        verdict,
        verdictLine: formatVerdict(verdict),
        decision,
      });
    }
  }
  return out;
}

/** The caveat flags of a row (the unranked ones are named by its UNRANKED reason). */
const caveats = (flags: readonly ValidityFlag[]): ValidityFlag[] => flags.filter((f) => CAVEAT_FLAGS.includes(f));

/** The summary as text: one table and verdict per scenario point, then the measurements that were not ok. */
export function formatSummary(measurements: readonly MeasurementRecord[]): string {
  const parts: string[] = [];
  for (const rp of rankPoints(measurements)) {
    const rows = rp.rows.map((r) => [
      r.rank === null ? "-" : `${r.rank}${r.tied ? "=" : ""}`,
      r.stack,
      `${fmtNum(r.value, r.value < 100 ? 1 : 0)} ${r.unit}`,
      `±${fmtNum(r.cv * 100, 1)}% n=${r.n}`,
      r.ratio === null ? "—" : `${r.ratio.toFixed(2)}x`,
      r.serverCpuPct === null ? "—" : `${fmtNum(r.serverCpuPct)}%`,
      r.clientCpuPct === null ? "—" : `${fmtNum(r.clientCpuPct)}%`,
      // Why a figure is unranked, and its caveats either way (an unranked soak row still says suspected-leak).
      [r.unranked ? `UNRANKED: ${r.unranked}` : "", caveats(r.flags).length ? `caveat: ${caveats(r.flags).join(", ")}` : ""].filter(Boolean).join("; "),
    ]);
    const v = rp.verdict;
    const decision = v.winner ? `winner: ${v.winner}` : `no decision: ${v.noDecision}`;
    parts.push(
      `${rp.scenario} · ${rp.point}${rp.loadShape ? ` ${rp.loadShape}` : ""}\n${renderTable(["rank", "stack", "geo mean", "spread", "÷ best", "server core", "client core", "flags"], rows)}\n` +
        `verdict: ${rp.verdictLine}\n${decision}`,
    );
  }
  const notOk = measurements.filter((m) => m.status !== "ok" || m.partial);
  if (notOk.length) {
    parts.push(
      `not measured / incomplete:\n${notOk
        .map((m) => `  ${m.scenario} ${m.stack}: ${m.status}${m.partial ? " (partial)" : ""}${m.reason ? ` — ${m.reason.split("\n")[0]!.slice(0, 300)}` : ""}`)
        .join("\n")}`,
    );
  }
  if (parts.length) {
    parts.push(
      "rank: stacks sharing a rank (2=) hold no pair told apart; a `>` in a verdict separates such groups (ratio of geometric means, t on logs with a variance pooled over the point's stacks, Holm-corrected over its pairs so that they hold 95 % together: each interval is printed at its own level and excludes 1), and any pair across it left undecided is listed after the order. " +
        "Latency points are ranked at the highest of p99, p90, p50 at which every stack stands clear of the floor (not within 2× of it in more than half of its repetitions). " +
        "UNRANKED: client-bound, client-loaded, at-floor, integrity or errors (not a server property); caveats (high-variance, not-saturated, suspected-leak, shared-core) are ranked.",
    );
  }
  return parts.join("\n\n");
}
