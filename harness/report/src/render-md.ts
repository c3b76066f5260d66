// Markdown report: the same tables and findings as the HTML report, for a README or an issue.
import { latencyFloorTable } from "./floor-table.ts";
import { connectionsLimitTable } from "./connections.ts";
import { burstReconnectTables } from "./burst-reconnect.ts";
import { FINDING_TITLES, type Finding, type FindingKind } from "./findings.ts";
import { hostileTables } from "./hostile-table.ts";
import { kneeTable } from "./knee.ts";
import type { ReportInput } from "./model.ts";
import { failureTables } from "./failure-tables.ts";
import { CAVEAT_MARK, runTable, scenarioParamsText, scenarioTable, stacksTable, WARN_MARK, type Cell, type Table } from "./tables.ts";
import { variantsTable } from "./variants.ts";
import { markdownChart, type MarkdownChart } from "./charts/markdown.ts";
import { decisionTable } from "./decision-table.ts";
import { CANNOT_TELL_TITLE, cannotTellLines, DECISION_LEGEND, decisionSources, decisionTableModel, methodLink } from "./decision-render.ts";
import { figureNotes } from "./figure-notes.ts";
import { PART_SEPARATOR } from "./cells.ts";
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
  if (cell.parts)
    return cell.parts.map((p) => cellText({ text: p.text, warn: p.warn, best: p.best, ...(p.href ? { href: p.href } : {}) }, link)).join(PART_SEPARATOR);
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

/** Kinds of finding the appendix lists (verdicts are in each scenario's section, flagged figures in the notes). */
export const APPENDIX_FINDINGS: readonly FindingKind[] = ["floor", "saturation", "leak", "slo"];

/** The decision table, its legend and sources, and the cannot-tell box (the top of the report). */
export function markdownDecision(input: ReportInput): string {
  const dt = decisionTable(input);
  return [
    markdownTable(decisionTableModel(dt)),
    "",
    DECISION_LEGEND,
    "",
    decisionSources(dt),
    "",
    `### ${CANNOT_TELL_TITLE}`,
    "",
    ...cannotTellLines(dt).map((l) => `- ${l}`),
  ].join("\n");
}

/** One scenario's section of the appendix: parameters, chart, tables, verdict per point. */
function scenarioSection(input: ReportInput, s: string, o: MarkdownOptions): string[] {
  const params = scenarioParamsText(input, s);
  const parts: string[] = [`## Scenario ${s}`, ""];
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
  return parts;
}

/** The whole Markdown report: the decision first, charts and the run; every table and note in the appendix. */
export function renderMarkdown(input: ReportInput, o: MarkdownOptions): string {
  const parts: string[] = [
    `# wsarena results: ${input.run.runId}`,
    "",
    "## Decision",
    "",
    markdownDecision(input),
    "",
    "## Charts",
    "",
    o.charts.map(markdownChart).join("\n\n"),
    "",
    "## Run",
    "",
    markdownTable(runTable(input, o.vcpuHourUsd, o.priceSource)),
    "",
    ...[sourcesTable(input)].flatMap((t) => (t ? [markdownTable(t, (href) => href), ""] : [])),
    markdownTable(stacksTable(input)),
    "",
    `How each figure is measured and when it is flagged: ${methodLink(input.dir)}. The appendix holds each scenario's tables with the verdict of every point, the findings, a note per flagged figure and the rules this report applied.`,
    "",
    "# Appendix",
    "",
    "## Findings",
    "",
    markdownFindings(o.findings.filter((f) => APPENDIX_FINDINGS.includes(f.kind))) || "No findings.",
    "",
  ];
  const variants = variantsTable(input);
  if (variants) parts.push("## Variants against their base stack", "", markdownTable(variants), "");
  for (const s of input.scenarios) parts.push(...scenarioSection(input, s, o));
  const notes = figureNotes(input);
  if (notes.length) parts.push("## Notes per figure", "", ...notes.map((n) => `- ${n.warning ? "⚠ " : ""}${n.where}: ${n.notes.join(". ")}.`), "");
  parts.push(...markdownCapacity(o.capacity ?? []));
  parts.push("## Rules this report applied", "", ...o.methodNotes.map((n) => `- ${n}`), "");
  return parts.join("\n");
}
