// Report of a capacity set (results/<runId>/capacity.json): p99, server CPU and RSS against users with the criteria
// lines, and the verdict table, as report.md, report.html and charts/capacity-*.svg|png. A pure function of the set.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CAPACITY_FILE,
  capacityLimitText,
  capacitySchema,
  parseCriteria,
  type CapacityRecord,
  type CapacityStackRecord,
  type Criterion,
} from "@wsarena/results";
import { renderSvg, responsiveSvg, svgToPng, DEFAULT_CHART_HEIGHT, DEFAULT_CHART_WIDTH, type ChartSpec } from "./charts/render.ts";
import { stackColor } from "./charts/palette.ts";
import { fmtBytes, fmtCount, fmtUs } from "./format.ts";

/** Colour of the criteria lines. */
export const CRITERION_LINE_COLOR = "#444444";

/** True when `dir` holds a capacity set (capacity.json) rather than a `wsarena run` set. */
export function isCapacitySet(dir: string): boolean {
  return existsSync(join(dir, CAPACITY_FILE));
}

/** Reads and validates capacity.json; throws one readable line on a bad file. */
export function loadCapacitySet(dir: string): CapacityRecord {
  const file = join(dir, CAPACITY_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); expected a file written by \`wsarena capacity\`.`);
  }
  const r = capacitySchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues
      .slice(0, 8)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`${file} is not a valid capacity file: ${problems}`);
  }
  return r.data;
}

/** One chart's figure: how to read it from a step, its axis, and the criterion keys whose lines it marks. */
interface CapacityFigure {
  name: string;
  title: string;
  yName: string;
  logY: boolean;
  value: (s: CapacityStackRecord["steps"][number]) => number | null;
  format: (v: number) => string;
  keys: readonly Criterion["key"][];
  caption: string;
}

const FIGURES: readonly CapacityFigure[] = [
  {
    name: "capacity-p99",
    title: "p99 latency against users",
    yName: "p99 latency",
    logY: true,
    value: (s) => s.latency?.p99Us ?? null,
    format: fmtUs,
    keys: ["p99", "p999", "p90", "p50"],
    caption: "p99 over every message the users received in the step's window (µs HDR, from send time).",
  },
  {
    name: "capacity-cpu",
    title: "Server CPU against users",
    yName: "server CPU % of a core",
    logY: false,
    value: (s) => s.serverCpuPct,
    format: (v) => `${Math.round(v)}%`,
    keys: ["cpu"],
    caption:
      "Server process CPU over the window, % of one core (/proc/<pid>/stat; what the cpu criterion checks). Kernel network work in softirq is charged to no process and is not included; the step tables also give the pinned core's busy share, which includes it and whatever else ran there.",
  },
  {
    name: "capacity-rss",
    title: "Server memory against users",
    yName: "server RSS (max)",
    logY: false,
    value: (s) => s.rssBytes,
    format: fmtBytes,
    keys: ["rss"],
    caption: "Highest resident memory of the server process during the window.",
  },
];

/** The three capacity charts (null entries dropped when a figure was never measured). */
export function capacityCharts(rec: CapacityRecord): ChartSpec[] {
  const criteria = rec.config.criteria.flatMap((t) => {
    try {
      return parseCriteria(t);
    } catch {
      return [];
    }
  });
  const stacks = rec.results.map((r) => r.stack);
  const out: ChartSpec[] = [];
  for (const f of FIGURES) {
    let max = 0;
    const series: Record<string, unknown>[] = rec.results.map((r) => {
      const color = stackColor(r.stack, stacks);
      const pts = [...r.steps].filter((s) => f.value(s) !== null).sort((a, b) => a.users - b.users);
      return {
        name: r.stack,
        type: "line",
        symbolSize: 8,
        itemStyle: { color },
        lineStyle: { color, width: 2 },
        // Passing steps are dots; steps that failed a criterion (or were client-limited or errored) are triangles.
        data: pts.map((s) => {
          const v = Math.max(f.logY ? 1 : 0, f.value(s)!);
          max = Math.max(max, v);
          return { value: [s.users, v], symbol: s.verdict === "pass" ? "circle" : "triangle" };
        }),
      };
    });
    if (max === 0 && series.every((s) => (s.data as unknown[]).length === 0)) continue;
    const marks = criteria.filter((c) => f.keys.includes(c.key));
    for (const c of marks) max = Math.max(max, c.limit);
    if (series.length && marks.length) {
      series[0]!.markLine = {
        silent: true,
        symbol: "none",
        lineStyle: { color: CRITERION_LINE_COLOR, type: "dashed", width: 1.5 },
        label: { formatter: (p: { name: string }) => p.name, position: "insideEndTop", color: CRITERION_LINE_COLOR },
        data: marks.map((c) => ({ name: c.text, yAxis: c.limit })),
      };
    }
    const marked = marks.length ? ` Dashed: ${marks.map((c) => c.text).join(", ")}.` : " No criterion applies to this figure.";
    out.push({
      name: f.name,
      title: f.title,
      caption: `${rec.config.profile} profile. ${f.caption}${marked} Dots: steps that met every criterion; triangles: steps that did not. Users on a log scale${f.logY ? ", latency too" : ""}.`,
      width: DEFAULT_CHART_WIDTH,
      height: DEFAULT_CHART_HEIGHT,
      option: {
        legend: { top: 4, data: stacks },
        grid: { left: 84, right: 32, top: 44, bottom: 56 },
        xAxis: {
          type: "log",
          name: "concurrent users",
          nameLocation: "middle",
          nameGap: 30,
          axisLabel: { formatter: (n: number) => (n >= 1000 ? fmtCount(n) : String(Math.round(n))) },
        },
        yAxis: {
          type: f.logY ? "log" : "value",
          name: f.yName,
          nameLocation: "middle",
          nameGap: 66,
          max: f.logY ? 10 ** Math.ceil(Math.log10(max * 1.1)) : Math.ceil(max * 1.1),
          axisLabel: { formatter: f.format },
        },
        series,
      },
    });
  }
  return out;
}

/** Verdict cell for --users: yes, or no/unknown with the criteria that failed and the measured values. */
export function verdictText(r: CapacityStackRecord): string {
  const why = r.verdictFailures.map((f) => `${f.criterion} (measured ${f.measuredText})`).join(", ");
  if (r.verdict === null) return "—";
  if (r.verdict === "yes") return "yes";
  if (r.verdict === "no") return `no: ${why}`;
  if (r.verdict === "limit") {
    const at = [...r.steps].reverse().find((s) => s.verdict === "limit");
    return at?.error ? `limit: ${at.error}` : r.limit ? capacityLimitText(r.limit) : "limit: beyond the machine's limits";
  }
  const step = [...r.steps].reverse().find((s) => s.verdict !== "pass");
  const reason =
    step?.verdict === "client-limited"
      ? " (client busy: not a server limit)"
      : step?.verdict === "noisy"
        ? " (other work on the pinned cores in every attempt)"
        : step?.verdict === "error"
          ? ` (${step.error})`
          : "";
  return `unknown${reason}${why ? `: ${why}` : ""}`;
}

/** True when the ladder stopped at the machine's limit (it recorded a level beyond the limit the stack read). */
export function stoppedAtLimit(r: CapacityStackRecord): boolean {
  return !!r.limit && r.steps.some((s) => s.verdict === "limit" && s.error === null);
}

/** Largest passing level cell ("(machine limit)" when the ladder stopped at the machine's limit, not at the server's). */
export function largestText(r: CapacityStackRecord): string {
  return r.largestPassingUsers === null
    ? "none"
    : `${r.largestPassingIsLowerBound ? "≥ " : ""}${r.largestPassingUsers}${stoppedAtLimit(r) ? " (machine limit)" : ""}`;
}

/** Header of the verdict table (its second column asks about --users when it was given). */
export function verdictHeader(rec: CapacityRecord): string[] {
  return ["stack", rec.config.users === null ? "verdict" : `${rec.config.users} users?`, "largest passing level (users)", "note"];
}

/** The note under the verdict table on the ≥ mark. */
export const AT_LEAST_NOTE = "≥: no step failed; the ladder ended there, so the stack holds at least that many.";

/** Rows of the verdict table: stack, verdict for --users, largest passing level. */
export function verdictRows(rec: CapacityRecord): string[][] {
  return rec.results.map((r) => [r.stack, verdictText(r), largestText(r), r.error ?? ""]);
}

/** Rows of one stack's step table. */
export function stepRows(r: CapacityStackRecord): string[][] {
  const us = (v: number | undefined) => (v === undefined ? "–" : fmtUs(v));
  return r.steps.map((s) => [
    String(s.users),
    s.phase,
    us(s.latency?.p50Us),
    us(s.latency?.p99Us),
    String(s.errors),
    s.serverCpuPct === null ? "–" : `${s.serverCpuPct}%`,
    s.serverCoreBusyPct === null ? "–" : `${s.serverCoreBusyPct}%`,
    s.rssBytes === null ? "–" : fmtBytes(s.rssBytes),
    `${s.clientCpuPct}%${s.foreignCpuPct !== null && s.foreignCpuPct > 0 ? ` (+${s.foreignCpuPct}% other)` : ""}`,
    s.floorP99Us === null ? "–" : fmtUs(s.floorP99Us),
    s.verdict +
      (s.attempts > 1 ? ` (attempt ${s.attempts})` : "") +
      (s.failures.length ? `: ${s.failures.map((f) => `${f.criterion} (${f.measuredText})`).join(", ")}` : "") +
      (s.error ? `: ${s.error}` : s.verdict === "limit" && r.limit ? `: ${r.limit.cap} allows ${r.limit.users} users` : ""),
    s.flags.join(", "),
  ]);
}

const STEP_HEADER = ["users", "phase", "p50", "p99", "errors", "server cpu", "server core busy", "server RSS", "client cpu", "floor p99", "verdict", "flags"];

/** How the capacity run was asked for, as a command line. */
export function capacityCommand(rec: CapacityRecord): string {
  const c = rec.config;
  return `pnpm wsarena capacity --stacks ${rec.stacks.map((s) => s.id).join(",")}${c.users !== null ? ` --users ${c.users}` : ""} --profile ${c.profile} --criteria "${c.criteria.join(",")}" --steps ${c.steps.join(",")} --step-ms ${c.stepMs}`;
}

function mdTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

/** One note per stack that read the machine's limits (files written before capacity read them have none). */
function limitNotes(rec: CapacityRecord): string[] {
  return rec.results.flatMap((r) =>
    r.limit
      ? [
          `Machine limit for ${r.stack}: ${r.limit.users} users (${capacityLimitText(r.limit)}). Levels above it are not measured: the ladder stops at it and records the next level as "limit", a bound of this machine, not of the stack.`,
        ]
      : [],
  );
}

function capacityNotes(rec: CapacityRecord): string[] {
  const c = rec.config;
  return [
    `A user (${c.profile}): ${c.profileDescription}.`,
    `Each step: every user connected, ${c.warmupMs} ms warm-up (discarded), then a ${c.stepMs} ms window in which latency (µs HDR, from send time), errors, the server's pinned-core busy % and RSS, and the client's CPU are measured. One fresh server per stack; a step that does not pass gets a fresh server before the next.`,
    `Ladder: ${c.steps.join(", ")} users, stopping after the first step that does not pass; then bisection between the last pass and the first failure until they are within ×${c.bisectMaxRatio} or ${c.bisectMaxSteps} steps were spent; then --users if it was not measured on the way.`,
    "errors = connect failures + closes other than 1000 + lost, duplicated, reordered or corrupted messages + the server's dropped and closed-for-backpressure counts.",
    "cpu is the server process's own CPU, % of one core; the pinned core's busy share (server core busy) also holds the kernel's network work and anything else that ran there. A step that does not pass while other work ran on the pinned cores (the quiet gate failed before the window, or more than 15 % of the client core went to other processes) is measured again on a fresh server, at most 3 times; if it never passes quietly it is noisy and its verdict unknown.",
    "client-limited: a criterion failed while the client core was busy (client-bound: client ≥ 85 % busy while the server core is < 90 %; client-loaded: client core ≥ 50 % busy or its scheduler-lag p99 > 25 % of the measured p99). Such a step says nothing about the server: its verdict is unknown, never no.",
    ...limitNotes(rec),
  ];
}

/** report.md of a capacity set. */
export function renderCapacityMarkdown(rec: CapacityRecord, charts: readonly ChartSpec[]): string {
  const m = rec.machine;
  const lines = [
    `# Capacity: ${rec.config.profile} users — ${rec.runId}`,
    "",
    `${m.cpuModel}, ${m.cores} cores, ${fmtBytes(m.memoryBytes)}, Linux ${m.kernel}; node ${rec.runtimes.node}${rec.runtimes.bun ? `, bun ${rec.runtimes.bun}` : ""}${rec.runtimes.deno ? `, deno ${rec.runtimes.deno}` : ""}; server on cpu ${rec.pinning.serverCpus ?? "(not pinned)"}, load on cpu ${rec.pinning.clientCpus ?? "(not pinned)"}; commit ${rec.git.commit?.slice(0, 10) ?? "unknown"}${rec.git.dirty ? " (dirty)" : ""}; ${rec.status}.`,
    "",
    `Command: \`${capacityCommand(rec)}\``,
    "",
    `Criteria: ${rec.config.criteria.join(", ")}.`,
    "",
    "## Verdicts",
    "",
    mdTable(verdictHeader(rec), verdictRows(rec)),
    "",
    AT_LEAST_NOTE,
    "",
    ...charts.flatMap((c) => [`![${c.title}](charts/${c.name}.png)`, "", `*${c.caption}*`, ""]),
    "## Steps",
    "",
    ...rec.results.flatMap((r) => [
      `### ${r.stack}${r.version ? ` ${r.version}` : ""}`,
      "",
      r.steps.length ? mdTable(STEP_HEADER, stepRows(r)) : `Not measured: ${r.error ?? "no step ran"}`,
      "",
    ]),
    "## Method",
    "",
    ...capacityNotes(rec).map((n) => `- ${n}`),
    "",
  ];
  return lines.join("\n");
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function htmlTable(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

/** report.html of a capacity set (self-contained: charts inlined as SVG). */
export function renderCapacityHtml(rec: CapacityRecord, charts: ReadonlyArray<{ spec: ChartSpec; svg: string }>): string {
  const md = renderCapacityMarkdown(rec, []);
  const intro = md
    .split("\n")
    .slice(2, 7)
    .filter(Boolean)
    .map((l) => `<p>${esc(l).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Capacity: ${esc(rec.config.profile)} users — ${esc(rec.runId)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f4f4f4}code{background:#f4f4f4;padding:1px 4px}figure{margin:1.5em 0}figcaption{color:#555;font-size:14px}</style>
</head><body>
<h1>Capacity: ${esc(rec.config.profile)} users — ${esc(rec.runId)}</h1>
${intro}
<h2>Verdicts</h2>
${htmlTable(verdictHeader(rec), verdictRows(rec))}
<p>${esc(AT_LEAST_NOTE)}</p>
${charts.map((c) => `<figure><h3>${esc(c.spec.title)}</h3>${c.svg}<figcaption>${esc(c.spec.caption)}</figcaption></figure>`).join("\n")}
<h2>Steps</h2>
${rec.results.map((r) => `<h3>${esc(r.stack)}${r.version ? ` ${esc(r.version)}` : ""}</h3>${r.steps.length ? htmlTable(STEP_HEADER, stepRows(r)) : `<p>Not measured: ${esc(r.error ?? "no step ran")}</p>`}`).join("\n")}
<h2>Method</h2>
<ul>${capacityNotes(rec)
    .map((n) => `<li>${esc(n)}</li>`)
    .join("")}</ul>
</body></html>
`;
}

/**
 * Writes report.md, report.html and charts/capacity-*.svg|png of the capacity set in `dir` into `outDir` (default: the
 * set itself); returns the paths written (relative to `outDir`).
 */
export function writeCapacityReport(dir: string, outDir = dir): { files: string[]; verdicts: string[][] } {
  const rec = loadCapacitySet(dir);
  const charts = capacityCharts(rec);
  const files: string[] = [];
  mkdirSync(join(outDir, "charts"), { recursive: true });
  const rendered = charts.map((spec) => {
    const svg = renderSvg(spec);
    writeFileSync(join(outDir, "charts", `${spec.name}.svg`), svg);
    writeFileSync(join(outDir, "charts", `${spec.name}.png`), svgToPng(svg));
    files.push(`charts/${spec.name}.svg`, `charts/${spec.name}.png`);
    return { spec, svg: responsiveSvg(svg, spec.title, spec.name) };
  });
  writeFileSync(join(outDir, "report.md"), renderCapacityMarkdown(rec, charts));
  writeFileSync(join(outDir, "report.html"), renderCapacityHtml(rec, rendered));
  files.push("report.md", "report.html");
  return { files, verdicts: verdictRows(rec) };
}
