// Table models shared by the HTML and Markdown renderers: run metadata, the headline table, one table per scenario.
import { c, type Cell, type Table } from "./cells.ts";
import { CPU_SCENARIO, CPU_US_PER_MSG, cpuPointLabel, fmtCpuUs, headlineCpuPointKey } from "./cpu-figures.ts";
import { fmtBytes, fmtCount, fmtPct, fmtUs } from "./format.ts";
import { cpuDecidedCells, cpuHeadlineCells, cpuHeadlineNote, sustainableRateColumn, verdictCell } from "./headline-columns.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { clientBusy, latencyFocus, meanOf, serverCpuPct, throughputPoints } from "./select.ts";
import { maxStealPct, quietWaits } from "./floor.ts";
import { CAVEAT_FLAGS, rankEntry, rankPoint, UNRANKED_FLAGS, type RankEntry, type Verdict } from "./rank.ts";
import { flagsOfRank, groupOfId, percentileLabel, POINT_FLAG_RULE, unionFlags, varianceFlags, type PercentileName } from "@wsarena/results";
import { geoMean, mean, meanInterval } from "@wsarena/stats";

export { c, type Cell, type Table } from "./cells.ts";

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
  POINT_FLAG_RULE,
];

/** "3–8 repetitions per point (3 configured)", from the points' own counts (the policy may add repetitions). */
export function repetitionsRange(input: ReportInput, configured: number): string {
  const ns = input.points.filter((p) => p.reps.length > 0).map((p) => p.reps.length);
  if (!ns.length) return `${configured} repetitions configured, none measured`;
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return `${lo === hi ? lo : `${lo}–${hi}`} repetitions per point (${configured} configured)`;
}

/** Key/value rows describing the run. */
export function runTable(input: ReportInput, vcpuHourUsd: number, priceSource: string): Table {
  const r = input.run;
  const m = r.machine;
  const rows: [string, string][] = [
    ["Run", `${r.runId} (${r.status})`],
    ["Started – finished", `${r.startedAt} – ${r.finishedAt ?? "not finished"}`],
    ["Git commit", `${r.git.commit ?? "unknown"}${r.git.dirty ? " (uncommitted changes)" : ""}`],
    ["Profile", `${r.config.profile}, ${repetitionsRange(input, r.config.reps)}, verification ${r.config.verifyLevel}`],
    ["Machine", `${m.cpuModel}, ${m.cores} cores, ${fmtBytes(m.memoryBytes)}, ${m.platform}, kernel ${m.kernel}, governor ${m.governor ?? "unknown"}`],
    ["Pinning", `server on cpu ${r.pinning.serverCpus ?? "(not pinned)"}, clients on cpu ${r.pinning.clientCpus ?? "(not pinned)"}`],
    ["Runtimes", `node ${r.runtimes.node}, bun ${r.runtimes.bun ?? "–"}, deno ${r.runtimes.deno ?? "–"}`],
    [
      "Client packages",
      Object.entries(r.clientPackages)
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "–",
    ],
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
  if (input.points.length === 0) return noCoreHeadline(all);
  const focus = latencyFocus(input);
  const rows = headlineRows(input, focus);
  // The latency column is ranked at the percentile its point is decided at (the highest clear of the floor), as its flags are.
  const latMetric: PercentileName = rows.find((r) => r.lat?.decision)?.lat?.decision?.percentile ?? "p99Us";
  const { peakScenario, peakPoint, connPoint } = headlineScope(rows);
  const knee = sustainableRateColumn(
    all,
    rows.map((r) => r.stack),
  );
  const cpuLabel = rows.find((r) => r.cpu)?.cpu;
  const headers = [
    "Stack",
    `Peak throughput${peakPoint ? ` (${peakPoint})` : peakScenario ? ` (${peakScenario})` : ""}`,
    `${percentileLabel(latMetric)} latency${focus ? ` (${focus.scenario} ${focus.pointKey})` : ""}`,
    ...(knee ? [knee.header] : []),
    `Memory / connection${connPoint ? ` (${connPoint})` : ""}`,
    `CPU µs/msg${cpuLabel ? ` (${CPU_SCENARIO} ${cpuPointLabel(cpuLabel)}; mean [95 % CI])` : ""}`,
    "cores per 1M msg/s",
    "$ per 1M msg",
  ];
  const verdicts = headlineVerdicts(rows, latMetric);
  const isBest = (col: number, stack: string): boolean => verdicts[col]?.winner === stack;
  const cell = (col: number, stack: string, text: string, p: PointView): Cell => ({
    ...c(text, warnings(p), true, caveats(p)),
    best: isBest(col, stack),
    href: p.sourceFile,
  });
  const body = rows.map(({ stack, peak, lat, conn, cpu }, i) => {
    const where = (p: PointView): string => (peakPoint ? "" : peakScenario ? ` (${pointLabel(p)})` : ` (${p.scenario} ${pointLabel(p)})`);
    return [
      c(stack),
      peak ? cell(0, stack, `${fmtCount(meanOf(peak, "msgsPerSec")!)} msg/s${where(peak)}`, peak) : c("–"),
      lat && meanOf(lat, latMetric) !== null ? cell(1, stack, fmtUs(meanOf(lat, latMetric)!), lat) : c("–"),
      ...(knee ? [knee.cells[i]!] : []),
      conn ? cell(2, stack, `${fmtBytes(meanOf(conn, "rssPerConnectionBytes")!)}${connPoint ? "" : ` (${pointLabel(conn)})`}`, conn) : c("–"),
      ...cpuHeadlineCells(cpu, vcpuHourUsd, (text) => cell(3, stack, text, cpu!)),
    ];
  });
  const noCpu = rows.every((r) => !r.cpu);
  const decided = [...verdicts.slice(0, 3).map(verdictCell), ...cpuDecidedCells(noCpu ? undefined : (verdicts[3] ?? null))];
  if (knee) decided.splice(2, 0, knee.decided);
  return {
    headers,
    rows: rows.length ? [...body, [c("Decided"), ...decided]] : body,
    notes: [
      "Bold: the column's winner. Decided: the winner with its advantage over the next stack (× = times better: higher throughput, lower latency or memory) and the interval of that ratio at its Holm level (the level printed; the column's pairs together hold 95 %), or why the data does not decide. " +
        "A winner's interval against every other ranked stack excludes 1; see the verdict per point in the report for the full order with its ties.",
      cpuHeadlineNote(noCpu),
      ...MARKER_NOTES,
    ],
  };
}

/** The headline of a result set without a core scenario: one cell saying so. */
function noCoreHeadline(all: ReportInput): Table {
  return {
    headers: ["Headline"],
    rows: [
      [
        c(
          `No core scenario in this result set (${all.scenarios.join(", ")}): the headline compares echo, stream, pub/sub and connection figures; see each scenario's section.`,
        ),
      ],
    ],
  };
}

/** The scenario (and point) the headline's header names when every stack's figure comes from the same one, else null. */
function headlineScope(rows: readonly HeadlineRow[]): { peakScenario: string | null; peakPoint: string | null; connPoint: string | null } {
  const common = (pts: (PointView | null | undefined)[], withPoint: boolean): string | null => {
    const labels = new Set(pts.filter((p): p is PointView => !!p).map((p) => (withPoint ? `${p.scenario} ${pointLabel(p)}` : p.scenario)));
    return labels.size === 1 ? [...labels][0]! : null;
  };
  return {
    peakScenario: common(
      rows.map((r) => r.peak),
      false,
    ),
    peakPoint: common(
      rows.map((r) => r.peak),
      true,
    ),
    connPoint: common(
      rows.map((r) => r.conn),
      true,
    ),
  };
}

/** Per ranked column (peak, latency, memory, CPU), the stacks' figures ranked by ratio intervals: the winner is bold, the verdict goes in the last row. */
function headlineVerdicts(rows: readonly HeadlineRow[], latMetric: PercentileName): (Verdict | null)[] {
  const entry = (stack: string, p: PointView | null | undefined, metric: string): RankEntry | null =>
    p ? rankEntry(stack, p.reps, metric, p.flags, p.status) : null;
  const columns: { better: "higher" | "lower"; entries: (RankEntry | null)[] }[] = [
    { better: "higher", entries: rows.map((r) => entry(r.stack, r.peak, "msgsPerSec")) },
    { better: "lower", entries: rows.map((r) => entry(r.stack, r.lat, latMetric)) },
    { better: "lower", entries: rows.map((r) => entry(r.stack, r.conn, "rssPerConnectionBytes")) },
    { better: "lower", entries: rows.map((r) => entry(r.stack, r.cpu, CPU_US_PER_MSG)) },
  ];
  return columns.map((col) => {
    const es = col.entries.filter((e): e is RankEntry => e !== null);
    return es.length ? rankPoint(es, col.better) : null;
  });
}

/** One headline row: a stack's figure per column (null/undefined where it has none). */
interface HeadlineRow {
  stack: string;
  peak: PointView | null;
  lat: PointView | undefined;
  conn: PointView | null;
  cpu: PointView | undefined;
}

/** Each stack's peak-throughput, latency-focus, memory and fixed-rate CPU points (stacks with none are left out). */
function headlineRows(input: ReportInput, focus: ReturnType<typeof latencyFocus>): HeadlineRow[] {
  const tp = throughputPoints(input);
  const rows: HeadlineRow[] = [];
  const cpuKey = headlineCpuPointKey(input);
  for (const stack of input.stacks) {
    const mine = tp.filter((p) => p.stack === stack);
    const peak = mine.length ? mine.reduce((a, b) => ((meanOf(b, "msgsPerSec") ?? 0) > (meanOf(a, "msgsPerSec") ?? 0) ? b : a)) : null;
    const lat = focus
      ? input.points.find((p) => p.stack === stack && p.scenario === focus.scenario && p.pointKey === focus.pointKey && isMeasured(p))
      : undefined;
    const conns = input.points.filter((p) => p.stack === stack && isMeasured(p) && metricValues(p, "rssPerConnectionBytes").length > 0);
    const connPick = conns.length ? conns.reduce((a, b) => ((Number(b.params.connections) || 0) >= (Number(a.params.connections) || 0) ? b : a)) : null;
    const conn = connPick ? memoryView(connPick) : null;
    const cpu =
      cpuKey === null ? undefined : input.points.find((p) => p.stack === stack && p.scenario === CPU_SCENARIO && p.pointKey === cpuKey && isMeasured(p));
    if (peak || lat || conn || cpu) rows.push({ stack, peak, lat, conn, cpu });
  }
  return rows;
}

/**
 * A connections point seen as its memory figure: the point's flags describe its headline (connect rate), so only
 * integrity and errors carry over, and high-variance is judged on the RSS per connection itself.
 */
export function memoryView(p: PointView): PointView {
  const kept = p.flags.filter((f) => f === "integrity" || f === "errors");
  return { ...p, flags: unionFlags(kept, varianceFlags(metricValues(p, "rssPerConnectionBytes"))) };
}

function headlineCell(p: PointView): Cell {
  if (!p.headline) return c("–", warnings(p));
  // A latency point is shown at the percentile it is ranked at (its flags are judged there), named when not the headline's.
  const metric = p.decision?.percentile ?? p.headline.metric;
  const xs = metricValues(p, metric);
  if (xs.length === 0) return c("–", warnings(p));
  const at = metric === p.headline.metric ? "" : ` at ${percentileLabel(metric as PercentileName)}`;
  const f = isLatencyMetric(metric)
    ? fmtUs
    : metric === CPU_US_PER_MSG
      ? (v: number) => `${fmtCpuUs(v)} µs/msg`
      : (v: number) => `${fmtCount(v)} ${p.headline!.unit}`;
  if (!xs.every((x) => x > 0)) return c(`${f(mean(xs))}${at} (arithmetic mean: a value ≤ 0, n=${xs.length})`, warnings(p), true, caveats(p));
  // The interval of the mean of the logs: multiplicative, as the ranking's ratios are.
  const ci = meanInterval(xs.map(Math.log));
  const range = `${f(Math.exp(ci.low))}–${f(Math.exp(ci.high))}`;
  return c(xs.length > 1 ? `${f(geoMean(xs))}${at} (${range}, n=${xs.length})` : `${f(geoMean(xs))}${at} (n=1)`, warnings(p), true, caveats(p));
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
  if (q.waitedMs > 0 || q.failed > 0)
    parts.push(`quiet-gate wait ${(q.waitedMs / 1000).toFixed(1)} s (${q.retries} retries${q.failed ? `, ${q.failed} never quiet` : ""})`);
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
    h ? `${h.metric} (geometric mean, 95 % CI)` : "Headline",
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
    const cpu = p.reps.flatMap((r) => {
      const v = serverCpuPct(r);
      return v === null ? [] : [v];
    });
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

/** Scenario-wide parameters, as `k=v` text per stack-independent key (from the first point that has them). */
export function scenarioParamsText(input: ReportInput, scenario: string): string {
  const p = input.points.find((q) => q.scenario === scenario && Object.keys(q.scenarioParams).length);
  if (!p) return "";
  return Object.keys(p.scenarioParams)
    .sort()
    .map((k) => `${k}=${String(p.scenarioParams[k])}`)
    .join(", ");
}
