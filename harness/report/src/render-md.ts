// Markdown report: the same tables and findings as the HTML report, for a README or an issue.
import { latencyFloorTable } from "./floor-table.ts";
import { connectionsLimitTable } from "./connections.ts";
import { burstReconnectTables } from "./burst-reconnect.ts";
import { FINDING_TITLES, type Finding, type FindingKind } from "./findings.ts";
import { hostileTables } from "./hostile-table.ts";
import { kneeTable } from "./knee.ts";
import type { ReportInput } from "./model.ts";
import { failureTables } from "./failure-tables.ts";
import {
  CAVEAT_MARK,
  headlineTable,
  runTable,
  scenarioParamsText,
  scenarioTable,
  stacksTable,
  WARN_FLAGS_TEXT,
  WARN_MARK,
  type Cell,
  type Table,
} from "./tables.ts";
import { variantsTable } from "./variants.ts";
import { markdownChart, type MarkdownChart } from "./charts/markdown.ts";
import { cpuTable } from "./cpu-table.ts";
import { CPU_SCENARIO } from "./cpu-figures.ts";
import type { CapacitySection } from "./capacity-section.ts";
import { sourcesTable } from "./sources.ts";

/** Escapes a cell for a Markdown table. */
function md(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Turns a cell's href (relative to the report's folder) into a link target, e.g. relative to a README. */
export type LinkTarget = (href: string) => string;

function cellText(cell: Cell, link?: LinkTarget): string {
  let text = md(cell.text);
  if (link && cell.href) text = `[${text}](${link(cell.href)})`;
  if (cell.caveat?.length) text = `${text} ${CAVEAT_MARK}`;
  if (cell.warn.length) text = `${WARN_MARK} ${text}`;
  return cell.best ? `**${text}**` : text;
}

/** Renders a table as GitHub-flavoured Markdown; with `link`, cells that name their file link to it. */
export function markdownTable(t: Table, link?: LinkTarget): string {
  const align = t.rows[0]?.map((cell) => (cell.num ? "---:" : "---")) ?? t.headers.map(() => "---");
  const lines = [`| ${t.headers.map(md).join(" | ")} |`, `| ${align.join(" | ")} |`];
  for (const row of t.rows) lines.push(`| ${row.map((cell) => cellText(cell, link)).join(" | ")} |`);
  for (const n of t.notes ?? []) lines.push("", n.replace(/\n/g, " "));
  return lines.join("\n");
}

/** Findings grouped by kind as Markdown lists. */
export function markdownFindings(findings: readonly Finding[]): string {
  const out: string[] = [];
  for (const kind of Object.keys(FINDING_TITLES) as FindingKind[]) {
    const mine = findings.filter((f) => f.kind === kind);
    if (!mine.length) continue;
    out.push(`### ${FINDING_TITLES[kind]}`, "", ...mine.map((f) => `- ${f.warning ? "⚠ " : ""}${f.text}`), "");
  }
  return out.join("\n").trim();
}

/** Options of renderMarkdown; never mutated. */
export interface MarkdownOptions {
  vcpuHourUsd: number;
  priceSource: string;
  /** Charts that were written (links to charts/<name>.png), with their captions. */
  charts: MarkdownChart[];
  /** Per scenario, the chart written for it (if any). */
  scenarioCharts: Record<string, MarkdownChart>;
  findings: Finding[];
  /** Text describing the statistics used. */
  methodNotes: string[];
  /** The capacity sets of a report of several sets (absent or empty: no Capacity section). */
  capacity?: readonly CapacitySection[];
}

/** The Capacity section: per capacity set, its file, command, criteria, verdict table and charts. */
function markdownCapacity(sections: readonly CapacitySection[]): string[] {
  if (!sections.length) return [];
  return [
    "## Capacity",
    "",
    ...sections.flatMap((s) => [
      `### ${s.title}`,
      "",
      `From [${s.file}](${s.file}): \`${s.command}\``,
      "",
      `Criteria: ${s.criteria}.`,
      "",
      markdownTable(s.verdicts),
      "",
      ...s.charts.flatMap((ch) => [`![${ch.title}](charts/${ch.name}.png)`, "", `*${ch.caption}*`, ""]),
    ]),
  ];
}

/** The whole Markdown report. */
export function renderMarkdown(input: ReportInput, o: MarkdownOptions): string {
  const parts: string[] = [
    `# wsarena results: ${input.run.runId}`,
    "",
    `⚠ marks a figure that is not a server property (${WARN_FLAGS_TEXT}) or a failed measurement: it is not ranked. † marks a ranked figure with a caveat (high-variance, not-saturated, shared-core, partial). Bold is a winner decided by 95 % intervals of ratios; see Findings for the verdict of every point and Method for the rule.`,
    "",
    "## Headline",
    "",
    markdownTable(headlineTable(input, o.vcpuHourUsd)),
    "",
    o.charts.map(markdownChart).join("\n\n"),
    "",
    "## Findings",
    "",
    markdownFindings(o.findings) || "No findings.",
    "",
    "## Run",
    "",
    markdownTable(runTable(input, o.vcpuHourUsd, o.priceSource)),
    "",
    ...[sourcesTable(input)].flatMap((t) => (t ? [markdownTable(t, (href) => href), ""] : [])),
    markdownTable(stacksTable(input)),
    "",
  ];
  const variants = variantsTable(input);
  if (variants) parts.push("## Variants against their base stack", "", markdownTable(variants), "");
  for (const s of input.scenarios) {
    const params = scenarioParamsText(input, s);
    parts.push(`## Scenario ${s}`, "");
    if (params) parts.push(`Parameters: ${params}`, "");
    const chart = o.scenarioCharts[s];
    if (chart) parts.push(markdownChart(chart), "");
    parts.push(markdownTable(scenarioTable(input, s)), "");
    for (const t of burstReconnectTables(input, s)) parts.push(markdownTable(t), "");
    const cpu = s === CPU_SCENARIO ? cpuTable(input, o.vcpuHourUsd) : null;
    if (cpu) parts.push(`### ${s}: CPU per message at fixed rates`, "", markdownTable(cpu), "");
    const knee = kneeTable(input, s);
    if (knee) parts.push(`### ${s}: sustainable rate`, "", markdownTable(knee), "");
    const floor = latencyFloorTable(input, s);
    if (floor) parts.push(`### ${s}: latency next to the floor`, "", markdownTable(floor), "");
    const limits = s === "connections" ? connectionsLimitTable(input) : null;
    if (limits) parts.push("### connections: held at the machine's limit", "", markdownTable(limits), "");
    for (const h of hostileTables(input, s)) parts.push(`### ${h.title}`, "", markdownTable(h.table), "");
    for (const f of failureTables(input, s)) parts.push(`### ${f.title}`, "", markdownTable(f.table), "");
    const verdicts = o.findings.filter((f) => f.scenario === s && f.kind === "verdict");
    if (verdicts.length) parts.push(`### ${s}: verdict per point`, "", ...verdicts.map((f) => `- ${f.warning ? "⚠ " : ""}${f.text}`), "");
  }
  parts.push(...markdownCapacity(o.capacity ?? []));
  parts.push("## Method", "", ...o.methodNotes.map((n) => `- ${n}`), "");
  return parts.join("\n");
}
