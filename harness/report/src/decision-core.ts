// The decision table's core-scenario questions: peak msg/s (binary echo, JSON fan-out), CPU per message at the fixed
// rates, echo latency at the percentile that decided, sustainable rate at the SLO, memory per connection.
import { detailsOf, percentileLabel, type PercentileName } from "@wsarena/results";
import { CPU_SCENARIO, CPU_US_PER_MSG, cpuPointLabel, fmtCpuUs } from "./cpu-figures.ts";
import { decidedPart, type DecisionColumn, type Figure, fmtRate, notMeasured, type Part, pointPart } from "./decision-parts.ts";
import { groupVerdict, pointGroups, rankedMetric } from "./findings.ts";
import { fmtBytes, fmtUs } from "./format.ts";
import { kneeRepText, kneeSummaries, kneeVerdict, kneeWarnings } from "./knee.ts";
import { memoryView } from "./connections.ts";
import { isMeasured, pointLabel, type PointView, type ReportInput } from "./model.ts";
import { rankPoint, type RankEntry } from "./rank.ts";
import { figureMean, latencyFocus, meanOf } from "./select.ts";
import { warnings } from "./tables.ts";

/** `pnpm wsarena run` with the scenarios that answer a question. */
const runCmd = (scenarios: string): string => `pnpm wsarena run --profile standard --scenarios ${scenarios}`;

/** The group of `scenario` (points passing `keep`) whose best stack has the highest msg/s, or null. */
function peakGroup(input: ReportInput, scenario: string, keep: (p: PointView) => boolean): PointView[] | null {
  const groups = pointGroups(input).filter((g) => g[0]!.scenario === scenario && g[0]!.headline?.metric === "msgsPerSec" && keep(g[0]!));
  const top = (g: PointView[]): number => Math.max(...g.map((p) => meanOf(p, "msgsPerSec") ?? 0));
  return groups.length ? groups.reduce((a, b) => (top(b) > top(a) ? b : a)) : null;
}

/** Peak msg/s: binary echo (echo-throughput) and JSON stream fan-out (stream-json), each at its highest-rate point. */
export function peakColumn(input: ReportInput): DecisionColumn {
  const parts: Part[] = [];
  const missing: string[] = [];
  const sources = [
    { label: "echo", scenario: "echo-throughput", what: "Peak msg/s, binary echo", keep: (p: PointView) => p.params.binary !== false },
    { label: "JSON fan-out", scenario: "stream-json", what: "Peak msg/s, JSON stream fan-out", keep: () => true },
  ];
  for (const s of sources) {
    const g = peakGroup(input, s.scenario, s.keep) ?? peakGroup(input, s.scenario, () => true);
    if (g) parts.push(pointPart(s.label, `${s.scenario} ${pointLabel(g[0]!)}`, g, groupVerdict(g), "msgsPerSec", fmtRate, s.what));
    else missing.push(notMeasured(s.what, "not measured in this set", runCmd(s.scenario)));
  }
  return { question: "Peak msg/s", parts, missing };
}

/** Server CPU µs per message at each fixed-rate point of the cpu scenario (µs/msg = cores per 1M msg/s). */
export function cpuColumn(input: ReportInput): DecisionColumn {
  const groups = pointGroups(input).filter((g) => g[0]!.scenario === CPU_SCENARIO);
  const parts = groups.map((g) => {
    const p = g[0]!;
    const where = `${CPU_SCENARIO} ${cpuPointLabel(p)}`;
    return pointPart(String(p.params.pattern ?? pointLabel(p)), where, g, groupVerdict(g), CPU_US_PER_MSG, fmtCpuUs, "CPU µs/msg");
  });
  const missing = parts.length
    ? []
    : [
        notMeasured(
          "CPU µs per message at a fixed rate (and cores per 1M msg/s)",
          "no fixed-rate point in this set (it predates the cpu scenario, or the run left it out)",
          runCmd(CPU_SCENARIO),
        ),
      ];
  return { question: "CPU µs/msg = cores per 1M msg/s", parts, missing };
}

/** The echo-latency group at the cpu echo point's rate when the set has one, else the report's latency focus. */
function latencyGroup(input: ReportInput): PointView[] | null {
  const groups = pointGroups(input).filter((g) => g[0]!.scenario === "echo-latency" && g[0]!.decision);
  const cpuEcho = input.points.find((p) => p.scenario === CPU_SCENARIO && p.params.pattern === "echo" && isMeasured(p));
  const atRate = groups.find((g) => cpuEcho && g[0]!.params.rate === cpuEcho.params.fixedRatePerSec);
  if (atRate) return atRate;
  const focus = latencyFocus({ ...input, scenarios: ["echo-latency"], points: input.points.filter((p) => p.scenario === "echo-latency") });
  return groups.find((g) => g[0]!.pointKey === focus?.pointKey) ?? groups[0] ?? null;
}

/** Echo latency at one rate, ranked at the percentile its point was decided at (the highest clear of the floor). */
export function latencyColumn(input: ReportInput): DecisionColumn {
  const g = latencyGroup(input);
  if (!g) return { question: "Echo latency", parts: [], missing: [notMeasured("Echo latency", "not measured in this set", runCmd("echo-latency"))] };
  const metric = rankedMetric(g[0]!);
  const q = percentileLabel(metric as PercentileName);
  const label = `${q} @ ${pointLabel(g[0]!)}`;
  return {
    question: "Echo latency",
    parts: [pointPart(label, `echo-latency ${pointLabel(g[0]!)}, ${q}`, g, groupVerdict(g), metric, fmtUs, "Echo latency")],
    missing: [],
  };
}

/** Sustainable rate: the rate ladder's knee within the run's SLO, ranked by knee.ts. */
export function kneeColumn(input: ReportInput): DecisionColumn {
  const sums = kneeSummaries(input);
  if (!sums.length) {
    const why = "no knee search in this set (it predates it, or a quick run skips it)";
    return {
      question: "Sustainable msg/s",
      parts: [],
      missing: [notMeasured("Sustainable rate at the SLO", why, `${runCmd("echo-latency")} --slo "p99<5ms"`)],
    };
  }
  const figures: Record<string, Figure> = {};
  for (const s of sums) {
    const text = s.geoMean !== null ? fmtRate(s.geoMean) : [...new Set(s.record.reps.map(kneeRepText))].join(", ") || "–";
    figures[s.stack] = { text, best: false, warn: kneeWarnings(s) };
  }
  const v = kneeVerdict(sums);
  if (v.winner) figures[v.winner] = { ...figures[v.winner]!, best: true };
  return {
    question: "Sustainable msg/s",
    parts: [decidedPart(`@ ${sums[0]!.slo}`, `${sums[0]!.scenario} knee @ ${sums[0]!.slo}`, figures, v, "Sustainable rate")],
    missing: [],
  };
}

/** RSS per connection of each repetition: after the forced GC where recorded (`gc`), else with the connections held. */
function rssPerConnection(p: PointView, gc: boolean): number[] {
  return p.reps.flatMap((r) => {
    const v = gc ? detailsOf("connections", r)?.rssPerConnectionAfterGcBytes : r.rssPerConnectionBytes;
    return typeof v === "number" && Number.isFinite(v) && v > 0 ? [v] : [];
  });
}

/** Memory per connection, idle (after GC where the set forced one), ranked lower-is-better; under ticks is not recorded. */
export function memoryColumn(input: ReportInput): DecisionColumn {
  const ticks =
    "Memory per connection while receiving ticks: not recorded — the connections scenario holds idle connections and no scenario measures RSS per connection under a tick stream";
  const pts = input.points.filter((p) => p.scenario === "connections" && isMeasured(p));
  const most = Math.max(0, ...pts.map((p) => Number(p.params.connections) || 0));
  const g = pts.filter((p) => (Number(p.params.connections) || 0) === most);
  if (!g.length)
    return {
      question: "Memory / conn",
      parts: [],
      missing: [notMeasured("Memory per connection", "not measured in this set", runCmd("connections")), `${ticks}.`],
    };
  const gc = g.some((p) => rssPerConnection(p, true).length > 0);
  const figures: Record<string, Figure> = {};
  const entries: RankEntry[] = [];
  for (const p of g) {
    const values = rssPerConnection(p, gc);
    const m = figureMean(values);
    const { flags } = memoryView(p);
    figures[p.stack] = { text: m === null ? "–" : fmtBytes(m), best: false, warn: warnings({ ...p, flags }), ...(p.sourceFile ? { href: p.sourceFile } : {}) };
    entries.push({ stack: p.stack, values, flags, excluded: null });
  }
  const v = rankPoint(entries, "lower");
  if (v.winner) figures[v.winner] = { ...figures[v.winner]!, best: true };
  const where = `connections ${pointLabel(g[0]!)}, ${gc ? "idle, after a forced GC" : "idle (this set forced no GC)"}`;
  return { question: "Memory / conn", parts: [decidedPart(gc ? "idle after GC" : "idle", where, figures, v, "Memory per connection")], missing: [`${ticks}.`] };
}
