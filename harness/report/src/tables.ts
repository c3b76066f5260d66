// Table models shared by the HTML and Markdown renderers: run metadata, the headline table, one table per scenario.
import { costPerMillionUsd } from "./charts/efficiency.ts";
import { fmtBytes, fmtCount, fmtPct, fmtUs, fmtUsd } from "./format.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { clientBusy, latencyFocus, meanOf, msgsPerCpuSecond, throughputPoints } from "./select.ts";
import { floorMeasured, FLOOR_PERCENTILES, latencyPoints, maxStealPct, pointFloor, quietWaits, schedulerLagP99, atFloorReps } from "./floor.ts";
import { CAVEAT_FLAGS, fmtAdvantage, rankEntry, rankPoint, UNRANKED_FLAGS, type RankEntry, type Verdict } from "./rank.ts";
import { flagsOfRank, groupOfId, unionFlags, varianceFlags } from "@wsarena/results";
import { mean, meanInterval } from "@wsarena/stats";

/** A table cell: text plus the marks it carries (shown in place). */
export interface Cell {
  text: string;
  /** Why the value is not a server property (unranking flags, or a failed status): marked ⚠; empty when clean. */
  warn: string[];
  /** Right-align (numbers). */
  num?: boolean;
  /** Caveats of a ranked value (high-variance, not-saturated, partial): marked †. */
  caveat?: string[];
  /** The column's winner, decided by ratio intervals: shown bold. */
  best?: boolean;
}

/** A table: header labels, rows of cells, and notes printed under it (markers, rules). */
export interface Table {
  headers: string[];
  rows: Cell[][];
  notes?: string[];
}

const c = (text: string, warn: string[] = [], num = false, caveat: string[] = []): Cell => ({ text, warn, num, caveat });

/** Marker of a value that is not a server property (not ranked). */
export const WARN_MARK = "⚠";
/** Marker of a ranked value with a caveat. */
export const CAVEAT_MARK = "†";

/** Why a point's figures are not a server property: its status when not ok, else its unranking flags. */
export function warnings(p: PointView): string[] {
  if (p.status !== "ok") return [p.status];
  return p.flags.filter((f) => UNRANKED_FLAGS.includes(f));
}

/** Caveats of a point's figures that still let it be ranked: caveat flags and an interrupted run. */
export function caveats(p: PointView): string[] {
  if (p.status !== "ok") return [];
  const cs: string[] = p.flags.filter((f) => CAVEAT_FLAGS.includes(f));
  return p.partial ? [...cs, "partial"] : cs;
}

/** Every flag and status of a point, for the Flags column. */
export function allMarks(p: PointView): string[] {
  if (p.status !== "ok") return [p.status];
  return p.partial ? [...p.flags, "partial"] : [...p.flags];
}

/** The flags that keep a figure out of the ranking as the legends list them (flag-table order). */
export const WARN_FLAGS_TEXT = flagsOfRank("exclude").join(", ");

/** The legend printed under tables that carry the markers. */
export const MARKER_NOTES: readonly string[] = [
  `${WARN_MARK} the figure is not a server property (${WARN_FLAGS_TEXT}) or the measurement failed: it is not ranked.`,
  `${CAVEAT_MARK} a caveat (high-variance: CV > 10 % across repetitions; not-saturated; shared-core; partial): the figure is ranked, its ratio interval accounts for the spread.`,
];

/** Key/value rows describing the run. */
export function runTable(input: ReportInput, vcpuHourUsd: number, priceSource: string): Table {
  const r = input.run;
  const m = r.machine;
  const rows: [string, string][] = [
    ["Run", `${r.runId} (${r.status})`],
    ["Started – finished", `${r.startedAt} – ${r.finishedAt ?? "not finished"}`],
    ["Git commit", `${r.git.commit ?? "unknown"}${r.git.dirty ? " (uncommitted changes)" : ""}`],
    ["Profile", `${r.config.profile}, ${r.config.reps} repetitions, verification ${r.config.verifyLevel}`],
    ["Machine", `${m.cpuModel}, ${m.cores} cores, ${fmtBytes(m.memoryBytes)}, ${m.platform}, kernel ${m.kernel}, governor ${m.governor ?? "unknown"}`],
    ["Pinning", `server on cpu ${r.pinning.serverCpus ?? "(not pinned)"}, clients on cpu ${r.pinning.clientCpus ?? "(not pinned)"}`],
    ["Runtimes", `node ${r.runtimes.node}, bun ${r.runtimes.bun ?? "–"}, deno ${r.runtimes.deno ?? "–"}`],
    ["Client packages", Object.entries(r.clientPackages).sort().map(([k, v]) => `${k} ${v}`).join(", ") || "–"],
    ["vCPU-hour price", `$${vcpuHourUsd} (${priceSource})`],
  ];
  return { headers: ["", ""], rows: rows.map(([k, v]) => [c(k), c(v)]) };
}

/** Stacks of the run with version, runtime, approach and verification. */
export function stacksTable(input: ReportInput): Table {
  return {
    headers: ["Stack", "Version", "Runtime", "Protocol", "Approach", "Verification"],
    rows: [...input.run.stacks]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((s) => {
        const v = s.verification;
        const ver = v === null ? "not run" : v.ok ? `passed (${v.level})` : `failed (${v.level}): ${v.failures.join("; ")}`;
        return [c(`${s.displayName} (${s.id})`), c(s.version ?? "unknown"), c(s.runtime), c(s.protocol), c(s.approach), c(ver, v && !v.ok ? ["invalid"] : [])];
      }),
  };
}

/**
 * The input restricted to the scenarios the headline compares: the `core` group (echo, stream, pubsub, connections).
 * Scale and failure scenarios answer other questions in their own sections (a storm's p99 connect time is no latency
 * headline); scenario ids the runner does not know are kept.
 */
export function headlineInput(input: ReportInput): ReportInput {
  const core = (id: string): boolean => groupOfId(id) === "core";
  return { ...input, scenarios: input.scenarios.filter(core), points: input.points.filter((p) => core(p.scenario)) };
}

/** One row per stack with its headline figures across the core scenarios. */
export function headlineTable(all: ReportInput, vcpuHourUsd: number): Table {
  const input = headlineInput(all);
  if (input.points.length === 0) return { headers: ["Headline"], rows: [[c(`No core scenario in this result set (${all.scenarios.join(", ")}): the headline compares echo, stream, pub/sub and connection figures; see each scenario's section.`)]] };
  const tp = throughputPoints(input);
  const focus = latencyFocus(input);
  interface Row {
    stack: string;
    peak: PointView | null;
    lat: PointView | undefined;
    conn: PointView | null;
  }
  const rows: Row[] = [];
  for (const stack of input.stacks) {
    const mine = tp.filter((p) => p.stack === stack);
    const peak = mine.length ? mine.reduce((a, b) => ((meanOf(b, "msgsPerSec") ?? 0) > (meanOf(a, "msgsPerSec") ?? 0) ? b : a)) : null;
    const lat = focus ? input.points.find((p) => p.stack === stack && p.scenario === focus.scenario && p.pointKey === focus.pointKey && isMeasured(p)) : undefined;
    const conns = input.points.filter((p) => p.stack === stack && isMeasured(p) && metricValues(p, "rssPerConnectionBytes").length > 0);
    const connPick = conns.length ? conns.reduce((a, b) => ((Number(b.params.connections) || 0) >= (Number(a.params.connections) || 0) ? b : a)) : null;
    const conn = connPick ? memoryView(connPick) : null;
    if (peak || lat || conn) rows.push({ stack, peak, lat, conn });
  }
  // Name the scenario (and point) in the header when every stack's figure comes from the same one.
  const common = (pts: (PointView | null | undefined)[], withPoint: boolean): string | null => {
    const labels = new Set(pts.filter((p): p is PointView => !!p).map((p) => (withPoint ? `${p.scenario} ${pointLabel(p)}` : p.scenario)));
    return labels.size === 1 ? [...labels][0]! : null;
  };
  const peakScenario = common(rows.map((r) => r.peak), false);
  const peakPoint = common(rows.map((r) => r.peak), true);
  const connPoint = common(rows.map((r) => r.conn), true);
  const headers = [
    "Stack",
    `Peak throughput${peakPoint ? ` (${peakPoint})` : peakScenario ? ` (${peakScenario})` : ""}`,
    `p99 latency${focus ? ` (${focus.scenario} ${focus.pointKey})` : ""}`,
    `Memory / connection${connPoint ? ` (${connPoint})` : ""}`,
    "msg per CPU-s",
    "$ per 1M msg",
  ];
  // Per column, rank the stacks' figures by ratio intervals; the winner's cell is bold, the verdict goes in the last row.
  const entry = (stack: string, p: PointView | null | undefined, metric: string): RankEntry | null => (p ? rankEntry(stack, p.reps, metric, p.flags, p.status) : null);
  const effEntry = (stack: string, p: PointView | null): RankEntry | null => (p ? { ...rankEntry(stack, [], "msgsPerSec", p.flags, p.status), values: msgsPerCpuSecond(p) } : null);
  const columns: { better: "higher" | "lower"; entries: (RankEntry | null)[] }[] = [
    { better: "higher", entries: rows.map((r) => entry(r.stack, r.peak, "msgsPerSec")) },
    { better: "lower", entries: rows.map((r) => entry(r.stack, r.lat, "p99Us")) },
    { better: "lower", entries: rows.map((r) => entry(r.stack, r.conn, "rssPerConnectionBytes")) },
    { better: "higher", entries: rows.map((r) => effEntry(r.stack, r.peak)) },
  ];
  const verdicts = columns.map((col) => {
    const es = col.entries.filter((e): e is RankEntry => e !== null);
    return es.length ? rankPoint(es, col.better) : null;
  });
  const isBest = (col: number, stack: string): boolean => verdicts[col]?.winner === stack;
  const cell = (col: number, stack: string, text: string, p: PointView): Cell => ({ ...c(text, warnings(p), true, caveats(p)), best: isBest(col, stack) });
  const body = rows.map(({ stack, peak, lat, conn }) => {
    const eff = peak ? msgsPerCpuSecond(peak) : [];
    const where = (p: PointView): string => (peakPoint ? "" : peakScenario ? ` (${pointLabel(p)})` : ` (${p.scenario} ${pointLabel(p)})`);
    return [
      c(stack),
      peak ? cell(0, stack, `${fmtCount(meanOf(peak, "msgsPerSec")!)} msg/s${where(peak)}`, peak) : c("–"),
      lat && meanOf(lat, "p99Us") !== null ? cell(1, stack, fmtUs(meanOf(lat, "p99Us")!), lat) : c("–"),
      conn ? cell(2, stack, `${fmtBytes(meanOf(conn, "rssPerConnectionBytes")!)}${connPoint ? "" : ` (${pointLabel(conn)})`}`, conn) : c("–"),
      eff.length ? cell(3, stack, fmtCount(mean(eff)), peak!) : c("–"),
      eff.length ? cell(3, stack, fmtUsd(costPerMillionUsd(mean(eff), vcpuHourUsd)), peak!) : c("–"),
    ];
  });
  const decided = [...verdicts.map(verdictCell), verdicts[3]?.winner ? c(`as msg per CPU-s`) : verdictCell(verdicts[3] ?? null)];
  return {
    headers,
    rows: rows.length ? [...body, [c("Decided"), ...decided]] : body,
    notes: [
      "Bold: the column's winner. Decided: the winner with its advantage over the next stack (× = times better: higher throughput, lower latency or memory) and the 95 % interval of that ratio, or why the data does not decide. " +
        "A winner's interval against every other ranked stack excludes 1; see the verdict per point in the report for the full order with its ties.",
      ...MARKER_NOTES,
    ],
  };
}

/**
 * A connections point seen as its memory figure: the point's flags describe its headline (connect rate), so only
 * integrity and errors carry over, and high-variance is judged on the RSS per connection itself.
 */
function memoryView(p: PointView): PointView {
  const kept = p.flags.filter((f) => f === "integrity" || f === "errors");
  return { ...p, flags: unionFlags(kept, varianceFlags(metricValues(p, "rssPerConnectionBytes"))) };
}

/** The "Decided" cell of a headline column: the winner and its margin, or why there is none. */
function verdictCell(v: Verdict | null): Cell {
  if (!v) return c("–");
  if (v.winner) {
    const cut = v.cuts[0];
    return c(cut ? `${v.winner} (${fmtAdvantage(cut.estimate)} over ${v.groups[1]!.length > 1 ? `{${v.groups[1]!.join(", ")}}` : cut.worse})` : v.winner);
  }
  return c(`no decision: ${v.noDecision}`);
}

function headlineCell(p: PointView): Cell {
  if (!p.headline) return c("–", warnings(p));
  const xs = metricValues(p, p.headline.metric);
  if (xs.length === 0) return c("–", warnings(p));
  const f = isLatencyMetric(p.headline.metric) ? fmtUs : (v: number) => `${fmtCount(v)} ${p.headline!.unit}`;
  const ci = meanInterval(xs);
  const half = (ci.high - ci.low) / 2;
  const rel = mean(xs) ? half / Math.abs(mean(xs)) : 0;
  return c(xs.length > 1 ? `${f(mean(xs))} ± ${fmtPct(rel, 1)} (n=${xs.length})` : `${f(mean(xs))} (n=1)`, warnings(p), true, caveats(p));
}

/** How a point's repetitions went: count and stop reason, then outliers, quiet-gate waits and steal where non-zero. */
export function repetitionsText(p: PointView): string {
  if (!p.reps.length) return "–";
  const parts = [`${p.reps.length}${p.stop ? `, ${p.stop}` : ""}`];
  const o = p.summary?.outliers;
  if (o) {
    const out = [
      [o.lowSevere, "low severe"],
      [o.lowMild, "low mild"],
      [o.highMild, "high mild"],
      [o.highSevere, "high severe"],
    ]
      .filter(([n]) => (n as number) > 0)
      .map(([n, what]) => `${n} ${what}`);
    if (out.length) parts.push(`outliers: ${out.join(", ")}`);
  }
  const q = quietWaits(p);
  if (q.waitedMs > 0 || q.failed > 0) parts.push(`quiet-gate wait ${(q.waitedMs / 1000).toFixed(1)} s (${q.retries} retries${q.failed ? `, ${q.failed} never quiet` : ""})`);
  const steal = maxStealPct(p);
  if (steal !== null && steal > 0) parts.push(`steal ≤ ${steal.toFixed(1)}%`);
  return parts.join("; ");
}

/** ` · N µs/msg`: the client's CPU per received message (mean over repetitions), or "" where the set does not carry it. */
export function clientUsPerMsgText(p: PointView): string {
  const xs = p.reps.flatMap((r) => (r.clientCpu.usPerMsg != null ? [r.clientCpu.usPerMsg] : []));
  return xs.length ? ` · ${fmtUs(mean(xs))}/msg` : "";
}

/** One row per (point, stack) of a scenario. */
export function scenarioTable(input: ReportInput, scenario: string): Table {
  const pts = input.points.filter((p) => p.scenario === scenario);
  const h = pts.find((p) => p.headline)?.headline;
  const headers = [
    "Point",
    "Stack",
    h ? `${h.metric} (mean ± 95% CI)` : "Headline",
    "msg/s",
    "p50",
    "p99",
    "p99.9",
    "Server CPU",
    "Peak RSS",
    "Client busy",
    "Repetitions",
    "Flags",
  ];
  const rows = pts.map((p) => {
    const marks = allMarks(p);
    const num = (metric: string, f: (v: number) => string): Cell => {
      const v = meanOf(p, metric);
      return c(v === null ? "–" : f(v), [], true);
    };
    const cpu = p.reps.flatMap((r) => (r.server ? [r.server.cpuPct] : []));
    const rss = p.reps.flatMap((r) => (r.server ? [r.server.rssBytesMax] : []));
    const client = p.reps.map(clientBusy);
    return [
      c(pointLabel(p)),
      c(p.stack),
      headlineCell(p),
      num("msgsPerSec", fmtCount),
      num("p50Us", fmtUs),
      num("p99Us", fmtUs),
      num("p999Us", fmtUs),
      c(cpu.length ? `${mean(cpu).toFixed(0)}%` : "–", [], true),
      c(rss.length ? fmtBytes(Math.max(...rss)) : "–", [], true),
      c(client.length ? fmtPct(mean(client)) + clientUsPerMsgText(p) : "–", [], true),
      c(repetitionsText(p)),
      c(marks.length ? marks.join(", ") + (p.status !== "ok" && p.reason ? `: ${p.reason}` : "") : "ok", warnings(p), false, caveats(p)),
    ];
  });
  return { headers, rows, notes: rows.some((r) => r.some((x) => x.warn.length || x.caveat?.length)) ? [...MARKER_NOTES] : [] };
}

/** Marker of a latency percentile within 2× of the floor's same percentile (the runner's atFloor). */
export const AT_FLOOR_MARK = "≈floor";

/**
 * Latency points of a scenario next to their floor: p50/p90/p99/p99.9/max of the stack, the same percentiles of the
 * worst pinned core's hiccup probe, the client's scheduler-lag p99 and busy share. Null when no point's headline is a latency.
 */
export function latencyFloorTable(input: ReportInput, scenario: string): Table | null {
  const pts = latencyPoints(input, scenario).filter((p) => p.headline && isLatencyMetric(p.headline.metric));
  if (!pts.length) return null;
  const measured = floorMeasured(input);
  const headers = [
    "Point",
    "Stack",
    ...FLOOR_PERCENTILES.map((q) => q.label),
    ...FLOOR_PERCENTILES.map((q) => `floor ${q.label}`),
    "Sched. lag p99",
    "Client busy",
  ];
  const rows = pts.map((p) => {
    const fl = pointFloor(p);
    const lag = schedulerLagP99(p);
    const client = p.reps.map(clientBusy);
    return [
      c(pointLabel(p)),
      c(p.stack),
      ...FLOOR_PERCENTILES.map(({ name }) => {
        const v = meanOf(p, name);
        if (v === null) return c("–", [], true);
        const k = atFloorReps(p, name);
        const mark = k === 0 ? "" : k === p.reps.length ? ` ${AT_FLOOR_MARK}` : ` ${AT_FLOOR_MARK} ${k}/${p.reps.length}`;
        return c(`${fmtUs(v)}${mark}`, k ? ["at-floor"] : [], true);
      }),
      ...FLOOR_PERCENTILES.map(({ name }) => c(fl ? fmtUs(fl[name]) : "not measured", [], true)),
      c(lag === null ? "–" : fmtUs(lag), [], true),
      c(client.length ? fmtPct(mean(client)) : "–", [], true),
    ];
  });
  const notes = measured
    ? [
        `floor: wake-up lateness of an idle probe on each pinned core in the same window (the worst core per percentile), mean over repetitions. ${AT_FLOOR_MARK}: within 2× of the floor's same percentile (in k/n of the repetitions when not all): that figure describes the machine, not the stack. Sched. lag: how late the load generator's own ticks fired.`,
      ]
    : ["floor not measured in this run (a result set from before schema v2, or cores not pinned): these percentiles cannot be told apart from the machine's own wake-up lateness."];
  return { headers, rows, notes };
}

/** Scenario-wide parameters, as `k=v` text per stack-independent key (from the first point that has them). */
export function scenarioParamsText(input: ReportInput, scenario: string): string {
  const p = input.points.find((q) => q.scenario === scenario && Object.keys(q.scenarioParams).length);
  if (!p) return "";
  return Object.keys(p.scenarioParams)
    .sort()
    .map((k) => `${k}=${String(p.scenarioParams[k])}`)
    .join(", ");
}
