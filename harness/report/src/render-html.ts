// HTML report: one self-contained file (inline CSS, charts inlined as SVG, no scripts, no network), readable on a phone.
import { latencyFloorTable } from "./floor-table.ts";
import { hostileTables } from "./hostile-table.ts";
import { kneeTable } from "./knee.ts";
import { burstReconnectTables } from "./burst-reconnect.ts";
import { FINDING_TITLES, type Finding } from "./findings.ts";
import type { ReportInput } from "./model.ts";
import { connectionsLimitTable } from "./connections.ts";
import { failureTables } from "./failure-tables.ts";
import { CAVEAT_MARK, runTable, scenarioParamsText, scenarioTable, stacksTable, WARN_MARK, type Table } from "./tables.ts";
import { decisionTable } from "./decision-table.ts";
import { CANNOT_TELL_TITLE, cannotTellLines, DECISION_LEGEND, decisionSources, decisionTableModel, METHOD_DOC_NAME, methodDocHref } from "./decision-render.ts";
import { figureNotes } from "./figure-notes.ts";
import { APPENDIX_FINDINGS } from "./render-md.ts";
import { variantsTable } from "./variants.ts";
import { PART_SEPARATOR, type CellPart } from "./cells.ts";
import { cpuTable } from "./cpu-table.ts";
import { noScenarioChartText } from "./charts/scenario.ts";
import { CPU_SCENARIO } from "./cpu-figures.ts";
import type { CapacitySection } from "./capacity-section.ts";
import { sourcesTable } from "./sources.ts";

/** A chart as it goes into the page. */
export interface HtmlChart {
  name: string;
  title: string;
  caption: string;
  /** The SSR SVG made responsive (see responsiveSvg). */
  svg: string;
}

/** Options of renderHtml; never mutated. */
export interface HtmlOptions {
  vcpuHourUsd: number;
  priceSource: string;
  /** Overview charts in display order. */
  charts: HtmlChart[];
  /** Chart of each scenario, by scenario id. */
  scenarioCharts: Record<string, HtmlChart>;
  findings: Finding[];
  methodNotes: string[];
  /** The capacity sets of a report of several sets, their charts rendered (absent or empty: no Capacity section). */
  capacity?: readonly { section: CapacitySection; charts: HtmlChart[] }[];
}

/** Escapes text for HTML content and attributes. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const CSS = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--warn:#8a4b00;--warnbg:#fff4e0;--bg:#fff}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1240px;margin:0 auto;padding:8px 16px}
h1{font-size:1.5em;margin:.2em 0 .6em;word-break:break-word}
h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1.05em;margin:1.2em 0 .4em}
nav{font-size:.9em;color:var(--muted)}nav a{margin-right:.8em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.5em 0 1em}
table{border-collapse:collapse;font-size:.9em;min-width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7;min-width:4.5em}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.warn{background:var(--warnbg);color:var(--warn)}
td.caveat{color:var(--muted)}
.flag{display:inline-block;font-size:.8em;border:1px solid var(--warn);color:var(--warn);border-radius:3px;padding:0 4px;margin-left:4px}
figure{margin:1em 0 1.6em}figure .chart{overflow-x:auto;-webkit-overflow-scrolling:touch}figure svg{display:block;margin:0 auto;min-width:540px}
figcaption{color:var(--muted);font-size:.9em;margin-top:.3em}
table.kv td{word-break:break-word;min-width:6em}
ul.findings li{margin:.3em 0}li.warn{color:var(--warn)}
.note{color:var(--muted);font-size:.9em}
#decision h2{margin-top:.2em}
table.decision{font-size:.8em}table.decision td{padding:3px 6px}table.decision tr:last-child td{font-size:.92em;color:var(--muted)}
aside.cannot{border:1px solid var(--warn);background:var(--warnbg);border-radius:4px;padding:2px 12px;font-size:.8em;margin:.4em 0}
aside.cannot h3{margin:.4em 0 .2em;color:var(--warn)}aside.cannot ul{margin:.2em 0 .4em;padding-left:1.2em}
span.warn{color:var(--warn)}
@media (max-width:600px){body{font-size:14px}main{padding:10px}th,td{padding:3px 5px}}
`;

/** One figure of a cell of several: bold when it wins its part, ⚠ (flags on hover) when it is not ranked. */
function partHtml(p: CellPart): string {
  const text = p.best ? `<strong>${esc(p.text)}</strong>` : esc(p.text);
  return p.warn.length ? `<span class="warn" title="${esc(p.warn.join(", "))}">${text} ${WARN_MARK}</span>` : text;
}

/** Renders a table; with `links`, cells that name their file (href, relative to the report) link to it. */
export function tableHtml(t: Table, cls = "", links = false): string {
  const head = t.headers.some((h) => h) ? `<thead><tr>${t.headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>` : "";
  const body = t.rows
    .map(
      (row) =>
        `<tr>${row
          .map((cell) => {
            const caveat = cell.caveat ?? [];
            const classes = [cell.num ? "num" : "", cell.warn.length ? "warn" : "", caveat.length && !cell.warn.length ? "caveat" : ""]
              .filter(Boolean)
              .join(" ");
            const marks = [...cell.warn, ...caveat];
            const title = marks.length ? ` title="${esc(marks.join(", "))}"` : "";
            const mark = `${caveat.length ? ` ${CAVEAT_MARK}` : ""}${cell.warn.length ? ` ${WARN_MARK}` : ""}`;
            const linked = links && cell.href ? `<a href="${esc(cell.href)}">${esc(cell.text)}</a>` : esc(cell.text);
            const text = cell.parts ? cell.parts.map(partHtml).join(esc(PART_SEPARATOR)) : cell.best ? `<strong>${linked}</strong>` : linked;
            return `<td${classes ? ` class="${classes}"` : ""}${title}>${text}${mark}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("\n");
  const notes = (t.notes ?? []).map((n) => `<p class="note">${esc(n)}</p>`).join("\n");
  return `<div class="scroll"><table${cls ? ` class="${cls}"` : ""}>${head}<tbody>\n${body}\n</tbody></table></div>${notes ? `\n${notes}` : ""}`;
}

function floorTable(input: ReportInput, scenario: string): string {
  const knee = kneeTable(input, scenario);
  const t = latencyFloorTable(input, scenario);
  const limits = scenario === "connections" ? connectionsLimitTable(input) : null;
  return (
    (knee ? `<h3>Sustainable rate</h3>\n${tableHtml(knee)}` : "") +
    (t ? `<h3>Latency next to the floor</h3>\n${tableHtml(t)}` : "") +
    (limits ? `<h3>Held at the machine's limit</h3>\n${tableHtml(limits)}` : "")
  );
}

function figure(ch: HtmlChart): string {
  return `<figure id="chart-${esc(ch.name)}" data-chart="${esc(ch.name)}">\n<h3>${esc(ch.title)}</h3>\n<div class="chart">${ch.svg}</div>\n<figcaption>${esc(ch.caption)} <a href="charts/${esc(ch.name)}.png">PNG</a> · <a href="charts/${esc(ch.name)}.svg">SVG</a></figcaption>\n</figure>`;
}

function anchor(scenario: string): string {
  return `scenario-${scenario.replace(/[^a-zA-Z0-9_-]+/g, "_")}`;
}

/** The variants-against-base table, or nothing when the set has no variant. */
function variantsSection(input: ReportInput): string {
  const t = variantsTable(input);
  return t ? `<section id="variants"><h2>Variants against their base stack</h2>\n${tableHtml(t)}\n</section>` : "";
}

/** The Capacity section (per capacity set: file, command, criteria, verdict table, charts), or nothing. */
function capacitySection(capacity: HtmlOptions["capacity"]): string {
  if (!capacity?.length) return "";
  const parts = capacity.map(
    ({ section: s, charts }) =>
      `<h3>${esc(s.title)}</h3>\n<p class="note">From <a href="${esc(s.file)}">${esc(s.file)}</a>: <code>${esc(s.command)}</code></p>\n<p class="note">Criteria: ${esc(s.criteria)}.</p>\n${tableHtml(s.verdicts)}\n${charts.map(figure).join("\n")}`,
  );
  return `<section id="capacity"><h2>Capacity</h2>\n${parts.join("\n")}\n</section>\n`;
}

/** The first screen: the decision table, the cannot-tell box beside it, the legend and sources under them. */
function decisionSection(input: ReportInput): string {
  const dt = decisionTable(input);
  return `<section id="decision"><h2>Decision</h2>
<div class="decide">
${tableHtml(decisionTableModel(dt), "decision")}
<aside id="cannot-tell" class="cannot"><h3>${esc(CANNOT_TELL_TITLE)}</h3>
<ul>${cannotTellLines(dt)
    .map((l) => `<li>${esc(l)}</li>`)
    .join("")}</ul></aside>
</div>
<p class="note">${esc(DECISION_LEGEND)}</p>
<p class="note">${esc(decisionSources(dt))}</p>
</section>`;
}

/** The appendix's findings (floor, saturation, leak, SLO) and notes per flagged figure. */
function findingsHtml(input: ReportInput, findings: readonly Finding[]): string {
  const out: string[] = [];
  for (const kind of APPENDIX_FINDINGS) {
    const mine = findings.filter((f) => f.kind === kind);
    if (!mine.length) continue;
    out.push(
      `<h3>${esc(FINDING_TITLES[kind])}</h3>\n<ul class="findings">\n${mine.map((f) => `<li${f.warning ? ' class="warn"' : ""}>${f.warning ? "⚠ " : ""}${esc(f.text)}</li>`).join("\n")}\n</ul>`,
    );
  }
  const notes = figureNotes(input);
  const notesHtml = notes.length
    ? `<section id="notes"><h2>Notes per figure</h2>\n<ul class="findings">${notes.map((n) => `<li${n.warning ? ' class="warn"' : ""}>${n.warning ? "⚠ " : ""}${esc(`${n.where}: ${n.notes.join(". ")}.`)}</li>`).join("\n")}</ul>\n</section>`
    : "";
  return `<section id="findings"><h2>Findings</h2>\n${out.join("\n") || "<p>No findings.</p>"}\n</section>\n${notesHtml}`;
}

/** One scenario's section of the appendix: parameters, chart, tables and the verdict of each point. */
function scenarioHtml(input: ReportInput, s: string, o: HtmlOptions): string {
  const params = scenarioParamsText(input, s);
  const ch = o.scenarioCharts[s];
  const sFindings = o.findings.filter((f) => f.scenario === s && f.kind === "verdict");
  return [
    `<section id="${anchor(s)}">`,
    `<h2>Scenario ${esc(s)}</h2>`,
    params ? `<p class="note">Parameters: ${esc(params)}</p>` : "",
    ch ? figure(ch) : `<p class="note">${esc(noScenarioChartText(input, s))}</p>`,
    tableHtml(scenarioTable(input, s)),
    ...burstReconnectTables(input, s).map((t) => tableHtml(t)),
    ...[s === CPU_SCENARIO ? cpuTable(input, o.vcpuHourUsd) : null].flatMap((t) => (t ? [`<h3>CPU per message at fixed rates</h3>\n${tableHtml(t)}`] : [])),
    floorTable(input, s),
    ...hostileTables(input, s).map((h) => `<h3>${esc(h.title)}</h3>\n${tableHtml(h.table)}`),
    ...failureTables(input, s).map((f) => `<h3>${esc(f.title)}</h3>\n${tableHtml(f.table)}`),
    sFindings.length
      ? `<h3>Verdict per point</h3><ul class="findings">${sFindings.map((f) => (f.warning ? `<li class="warn">⚠ ${esc(f.text)}</li>` : `<li>${esc(f.text)}</li>`)).join("")}</ul>`
      : "",
    `</section>`,
  ]
    .filter(Boolean)
    .join("\n");
}

/** The whole HTML report: the decision on the first screen, then charts and the run; every table and note in the appendix. */
export function renderHtml(input: ReportInput, o: HtmlOptions): string {
  const title = `wsarena results: ${input.run.runId}`;
  const href = methodDocHref(input.dir);
  const method = href ? `<a href="${esc(href)}">docs/method.md</a>` : esc(METHOD_DOC_NAME);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
${decisionSection(input)}
<nav><a href="#decision">Decision</a><a href="#charts">Charts</a><a href="#run">Run</a><a href="#findings">Findings</a>${input.scenarios.map((s) => `<a href="#${anchor(s)}">${esc(s)}</a>`).join("")}${o.capacity?.length ? `<a href="#capacity">Capacity</a>` : ""}<a href="#method">Rules</a></nav>
<section id="charts"><h2>Charts</h2>
${o.charts.map(figure).join("\n")}
</section>
<section id="run"><h2>Run</h2>
${tableHtml(runTable(input, o.vcpuHourUsd, o.priceSource), "kv")}
${[sourcesTable(input)].map((t) => (t ? `${tableHtml(t, "", true)}\n` : "")).join("")}${tableHtml(stacksTable(input))}
<p class="note">How each figure is measured and when it is flagged: ${method}. The appendix below holds each scenario's tables with the verdict of every point, the findings, a note per flagged figure and the rules this report applied.</p>
</section>
<h2 id="appendix">Appendix</h2>
${findingsHtml(input, o.findings)}
${variantsSection(input)}
${input.scenarios.map((s) => scenarioHtml(input, s, o)).join("\n")}
${capacitySection(o.capacity)}<section id="method"><h2>Rules this report applied</h2>
<ul>${o.methodNotes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
</section>
</main>
</body>
</html>
`;
}
