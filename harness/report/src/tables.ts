// Table models shared by the HTML and Markdown renderers: run metadata, the headline table, one table per scenario.
import { costPerMillionUsd } from "./charts/efficiency.ts";
import { fmtBytes, fmtCount, fmtPct, fmtUs, fmtUsd } from "./format.ts";
import { isLatencyMetric, isMeasured, metricValues, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { clientBusy, latencyFocus, meanOf, msgsPerCpuSecond, throughputPoints } from "./select.ts";
import { mean, meanInterval } from "@wsarena/runner";

/** A table cell: text plus whether it carries a validity warning (shown in place). */
export interface Cell {
  text: string;
  /** Validity flags or status that qualify this value; empty when clean. */
  warn: string[];
  /** Right-align (numbers). */
  num?: boolean;
}

/** A table: header labels and rows of cells. */
export interface Table {
  headers: string[];
  rows: Cell[][];
}

const c = (text: string, warn: string[] = [], num = false): Cell => ({ text, warn, num });

/** Reasons a point's figures are qualified: its status when not ok, else its flags. */
export function warnings(p: PointView): string[] {
  if (p.status !== "ok") return [p.status];
  return p.partial ? [...p.flags, "partial"] : p.flags;
}

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

/** One row per stack with its headline figures across scenarios. */
export function headlineTable(input: ReportInput, vcpuHourUsd: number): Table {
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
    const conn = conns.length ? conns.reduce((a, b) => ((Number(b.params.connections) || 0) >= (Number(a.params.connections) || 0) ? b : a)) : null;
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
  return {
    headers,
    rows: rows.map(({ stack, peak, lat, conn }) => {
      const eff = peak ? msgsPerCpuSecond(peak) : [];
      const where = (p: PointView): string => (peakPoint ? "" : peakScenario ? ` (${pointLabel(p)})` : ` (${p.scenario} ${pointLabel(p)})`);
      return [
        c(stack),
        peak ? c(`${fmtCount(meanOf(peak, "msgsPerSec")!)} msg/s${where(peak)}`, warnings(peak), true) : c("–"),
        lat && meanOf(lat, "p99Us") !== null ? c(fmtUs(meanOf(lat, "p99Us")!), warnings(lat), true) : c("–"),
        conn ? c(`${fmtBytes(meanOf(conn, "rssPerConnectionBytes")!)}${connPoint ? "" : ` (${pointLabel(conn)})`}`, warnings(conn), true) : c("–"),
        eff.length ? c(fmtCount(mean(eff)), warnings(peak!), true) : c("–"),
        eff.length ? c(fmtUsd(costPerMillionUsd(mean(eff), vcpuHourUsd)), warnings(peak!), true) : c("–"),
      ];
    }),
  };
}

function headlineCell(p: PointView): Cell {
  if (!p.headline) return c("–", warnings(p));
  const xs = metricValues(p, p.headline.metric);
  if (xs.length === 0) return c("–", warnings(p));
  const f = isLatencyMetric(p.headline.metric) ? fmtUs : (v: number) => `${fmtCount(v)} ${p.headline!.unit}`;
  const ci = meanInterval(xs);
  const half = (ci.high - ci.low) / 2;
  const rel = mean(xs) ? half / Math.abs(mean(xs)) : 0;
  return c(xs.length > 1 ? `${f(mean(xs))} ± ${fmtPct(rel, 1)} (n=${xs.length})` : `${f(mean(xs))} (n=1)`, warnings(p), true);
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
    "Flags",
  ];
  const rows = pts.map((p) => {
    const w = warnings(p);
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
      c(client.length ? fmtPct(mean(client)) : "–", [], true),
      c(w.length ? w.join(", ") + (p.status !== "ok" && p.reason ? `: ${p.reason}` : "") : "ok", w),
    ];
  });
  return { headers, rows };
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
