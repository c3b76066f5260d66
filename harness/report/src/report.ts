// `wsarena report`: a pure function of the result sets (one run set, or several run and capacity sets merged) that
// writes report.html, report.md and charts/*.svg|png into the report's folder.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clusterCharts } from "./charts/cluster.ts";
import { efficiencyChart } from "./charts/efficiency.ts";
import { httpLatencyChart, httpRequestsChart } from "./charts/http.ts";
import { FAILURE_SCENARIO_CHARTS } from "./charts/failure.ts";
import { latencyVsRateChart } from "./charts/latency-vs-rate.ts";
import { latencyChart } from "./charts/latency.ts";
import { memoryPerConnectionChart } from "./charts/memory-per-connection.ts";
import { connectionsCharts } from "./charts/connections.ts";
import { renderSvg, responsiveSvg, svgToPng, type ChartSpec } from "./charts/render.ts";
import type { MarkdownChart } from "./charts/markdown.ts";
import { burstReconnectChart } from "./burst-reconnect.ts";
import { capacitySections } from "./capacity-section.ts";
import { scenarioChart } from "./charts/scenario.ts";
import { systemChart } from "./charts/system.ts";
import { throughputChart, throughputDrawn } from "./charts/throughput.ts";
import { headlineInput } from "./tables.ts";
import { computeFindings, KEEP_UP_FRACTION, KNEE_P99_FACTOR, LEAK_GROWTH_FRACTION, type Finding } from "./findings.ts";
import { loadReportInput } from "./load.ts";
import { RANKING_RULE } from "./rank.ts";
import type { ReportInput } from "./model.ts";
import { readmeBlock, updateReadme } from "./readme-block.ts";
import { renderHtml, type HtmlChart } from "./render-html.ts";
import { renderMarkdown } from "./render-md.ts";
import type { Slo } from "./slo.ts";

/**
 * Default price of one vCPU-hour in USD: AWS EC2 on-demand m7i.large (2 vCPU, general purpose, Linux, us-east-1)
 * at $0.1008 per instance-hour, halved. Override with --vcpu-hour-usd.
 */
export const DEFAULT_VCPU_HOUR_USD = 0.0504;
/** Where the default price comes from (printed in every report). */
export const DEFAULT_PRICE_SOURCE =
  "default: AWS EC2 on-demand m7i.large, 2 vCPU, Linux, us-east-1, $0.1008/h ÷ 2 vCPU, from aws.amazon.com/ec2/pricing/on-demand/";

/** Options of writeReport; never mutated. */
export interface ReportOptions {
  /** Price of a vCPU-hour in USD for the cost figures. */
  vcpuHourUsd: number;
  /** Where the price comes from, shown next to it. */
  priceSource: string;
  /** Latency objective to check, or null. */
  slo: Slo | null;
  /** README.md to rewrite the results block of, or null to leave it alone. */
  readmePath: string | null;
}

export const DEFAULT_REPORT_OPTIONS: Readonly<ReportOptions> = Object.freeze({
  vcpuHourUsd: DEFAULT_VCPU_HOUR_USD,
  priceSource: DEFAULT_PRICE_SOURCE,
  slo: null,
  readmePath: null,
});

/** What writeReport produced. */
export interface ReportOutput {
  /** Paths written, relative to the result set. */
  files: string[];
  findings: Finding[];
  /** True when README.md was changed. */
  readmeChanged: boolean;
}

/** Notes on method printed at the end of both reports. */
export function methodNotes(o: ReportOptions): string[] {
  return [
    "Every figure is the geometric mean over repetitions, the mean the ranking uses (a count that can be zero, such as drops, the arithmetic mean); each repetition ran a fresh server after a discarded warm-up. Whiskers in bar charts span the lowest to the highest repetition.",
    "Tables give the 95% confidence interval of the mean (Student t over repetitions) as ± percent of the mean.",
    "Margins between stacks are ratios of geometric means with a 95% interval from Welch's t-test on log values: with 3–5 repetitions Mann–Whitney U cannot reach significance (3 vs 3 reps: smallest p = 0.1) and a bootstrap has too few distinct resamples to be honest.",
    "Latency curves merge the HDR histograms (µs) of every repetition; the x axis is 1/(1−p) on a log scale.",
    `Saturation: a stack keeps up at an offered rate while it delivers ≥ ${KEEP_UP_FRACTION * 100}% of it and its p99 stays within ${KNEE_P99_FACTOR}× its p99 at the lowest rate.`,
    `Memory growth: RSS at the end of each repetition rising every time, by ≥ ${LEAK_GROWTH_FRACTION * 100}% from first to last, is reported as a leak hint.`,
    `CPU per message (decision table, cpu scenario): the server's exact scheduler run time per delivered message at a fixed rate below every stack's capacity, so it does not move with how close a stack runs to saturation; cores per 1M msg/s is the same number; cost per million messages = $${o.vcpuHourUsd} per vCPU-hour (${o.priceSource}) × µs/msg / 3.6e9 × 1e6. The efficiency chart divides peak throughput by the process CPU % instead (messages per server CPU-second at saturation). Kernel network work in softirq is charged to no process and is in neither figure.`,
    `Ranking: ${RANKING_RULE}`,
    "Latency floor: an idle probe pinned to each core sleeps a fixed interval and records how late it wakes (the jHiccup method); a latency percentile within 2× of the worst pinned core's same percentile is at the floor and describes the machine, not the stack. A latency point is ranked at the highest of p99, p90, p50 at which every stack stands clear of the floor (not within 2× of it in more than half of its repetitions). The load generator's scheduler lag is its own tick lateness (each load worker sends and reads on one event loop, so it is the client's own delay); a repetition is client-loaded when that lag at the decided percentile exceeds 25 % of the measured latency at the same percentile. The client core's busy share is not used: it carries loopback softirq for the server's replies.",
  ];
}

/** The charts of a report (overview first, then one per scenario), without rendering them. */
export function reportCharts(input: ReportInput, o: ReportOptions): { overview: ChartSpec[]; perScenario: Record<string, ChartSpec> } {
  // The overview charts draw the core scenarios only (scale and failure ones chart in their sections).
  const core = headlineInput(input);
  const overview = [
    throughputChart(core),
    latencyChart(core),
    latencyVsRateChart(core),
    systemChart(input),
    memoryPerConnectionChart(core),
    ...connectionsCharts(input),
    efficiencyChart(core, o.vcpuHourUsd),
    httpRequestsChart(input),
    httpLatencyChart(input),
    ...clusterCharts(input),
  ].filter((c): c is ChartSpec => c !== null);
  // A scenario chart leaves out the bars the throughput chart already draws (echo-throughput's whole chart).
  const drawn = throughputDrawn(core);
  const perScenario: Record<string, ChartSpec> = {};
  for (const s of input.scenarios) {
    const ch = FAILURE_SCENARIO_CHARTS[s]?.(input) ?? burstReconnectChart(input, s) ?? scenarioChart(input, s, drawn);
    if (ch) perScenario[s] = ch;
  }
  return { overview, perScenario };
}

/** Builds every report file from `input` and writes them into its folder (input.dir). Deterministic: same input, same bytes. */
export function writeReportFor(input: ReportInput, opts: Partial<ReportOptions> = {}): ReportOutput {
  const o: ReportOptions = { ...DEFAULT_REPORT_OPTIONS, ...opts };
  mkdirSync(input.dir, { recursive: true });
  const { overview, perScenario } = reportCharts(input, o);
  const findings = computeFindings(input, { slo: o.slo });
  const files: string[] = [];
  const rendered = (spec: ChartSpec): HtmlChart => {
    const svg = renderSvg(spec);
    mkdirSync(join(input.dir, "charts"), { recursive: true });
    writeFileSync(join(input.dir, "charts", `${spec.name}.svg`), svg);
    writeFileSync(join(input.dir, "charts", `${spec.name}.png`), svgToPng(svg));
    files.push(`charts/${spec.name}.svg`, `charts/${spec.name}.png`);
    return { name: spec.name, title: spec.title, caption: spec.caption, svg: responsiveSvg(svg, spec.title, spec.name) };
  };
  const htmlCharts = overview.map(rendered);
  const htmlScenarioCharts: Record<string, HtmlChart> = {};
  for (const [s, spec] of Object.entries(perScenario)) htmlScenarioCharts[s] = rendered(spec);
  const capacity = capacitySections(input);
  const htmlCapacity = capacity.map((section) => ({ section, charts: section.charts.map(rendered) }));
  const notes = methodNotes(o);
  writeFileSync(
    join(input.dir, "report.html"),
    renderHtml(input, {
      vcpuHourUsd: o.vcpuHourUsd,
      priceSource: o.priceSource,
      charts: htmlCharts,
      scenarioCharts: htmlScenarioCharts,
      findings,
      methodNotes: notes,
      capacity: htmlCapacity,
    }),
  );
  const scenarioChartsMd: Record<string, MarkdownChart> = {};
  for (const [s, spec] of Object.entries(perScenario)) scenarioChartsMd[s] = { name: spec.name, title: spec.title, caption: spec.caption };
  writeFileSync(
    join(input.dir, "report.md"),
    renderMarkdown(input, {
      vcpuHourUsd: o.vcpuHourUsd,
      priceSource: o.priceSource,
      charts: overview.map((c) => ({ name: c.name, title: c.title, caption: c.caption })),
      scenarioCharts: scenarioChartsMd,
      findings,
      methodNotes: notes,
      capacity,
    }),
  );
  files.push("report.html", "report.md");
  const charts = overview.map((c) => ({ name: c.name, title: c.title }));
  const readmeChanged = o.readmePath ? updateReadme(o.readmePath, readmeBlock(input, charts, o.readmePath)) : false;
  return { files, findings, readmeChanged };
}

/** Loads the result set in `dir` and writes its report (see writeReportFor). */
export function writeReport(dir: string, opts: Partial<ReportOptions> = {}): ReportOutput {
  return writeReportFor(loadReportInput(dir), opts);
}
