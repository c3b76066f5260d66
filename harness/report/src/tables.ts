// Table models shared by the HTML and Markdown renderers: run metadata, stacks, one table per scenario.
import { c, type Cell, type Table } from "./cells.ts";
import { CPU_US_PER_MSG, fmtCpuUs } from "./cpu-figures.ts";
import { fmtBytes, fmtCount, fmtPct, fmtUs } from "./format.ts";
import { isLatencyMetric, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { clientBusy, meanOf, serverCpuPct } from "./select.ts";
import { maxStealPct, quietWaits } from "./floor.ts";
import { CAVEAT_FLAGS, UNRANKED_FLAGS } from "./rank.ts";
import { flagsOfRank, groupOfId, percentileLabel, POINT_FLAG_RULE, type PercentileName } from "@wsarena/results";
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
 * The input restricted to the scenarios the overview charts compare: the `core` group (echo, stream, pubsub, connections).
 * Scale and failure scenarios answer other questions in their own sections (a storm's p99 connect time is no latency
 * figure to chart beside echo's); scenario ids the runner does not know are kept.
 */
export function headlineInput(input: ReportInput): ReportInput {
  const core = (id: string): boolean => groupOfId(id) === "core";
  return { ...input, scenarios: input.scenarios.filter(core), points: input.points.filter((p) => core(p.scenario)) };
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
