// Rewrites only the results block of README.md (between the markers) with the decision table and chart links.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable, type LinkTarget } from "./render-md.ts";
import type { ReportInput } from "./model.ts";
import { hasMixedCommits, isMultiSet, repetitionsPolicyText, shortCommit } from "./sources.ts";
import { decisionTable } from "./decision-table.ts";
import { DECISION_LEGEND, decisionSources, decisionTableModel } from "./decision-render.ts";

export const README_START = "<!-- results:start -->";
export const README_END = "<!-- results:end -->";
/** README.md at the repository root (this file is harness/report/src/readme-block.ts). */
export const DEFAULT_README_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../../README.md");

/** Replaces the text between the markers (exclusive) with `block`; throws when the markers are missing or out of order. */
export function replaceBlock(readme: string, block: string, where = "README.md"): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < 0 || end < start || readme.indexOf(README_START, start + 1) >= 0) {
    throw new Error(
      `${where} needs exactly one "${README_START}" followed by one "${README_END}" line; add them where the results table should go, then rerun with --readme.`,
    );
  }
  return `${readme.slice(0, start + README_START.length)}\n${block.trim()}\n${readme.slice(end)}`;
}

/** Charts embedded as pictures in the README block (the rest are linked). */
export const README_EMBEDDED_CHARTS: readonly string[] = ["throughput", "latency-vs-rate", "latency", "efficiency"];

/** The sets of a report of several sets, each linked to its run file, with its run id and profile. */
function setList(input: ReportInput, rel: (p: string) => string): string {
  const mixed = hasMixedCommits(input);
  return (input.sources ?? [])
    .map(
      (s) =>
        `[${s.folder}](${rel(s.file)}) (${s.runId}; ${mixed ? `commit ${shortCommit(s.commit)}; ` : ""}${s.kind === "capacity" ? `capacity, ${s.profile} users, ${s.repetitions}` : `profile ${s.profile}, ${s.repetitions}`})`,
    )
    .join(", ");
}

/**
 * The README block: provenance (the set, or each set of a report of several), the decision table, and the charts; paths relative to the README's folder.
 */
export function readmeBlock(input: ReportInput, charts: { name: string; title: string }[], readmePath: string): string {
  const rel = (p: string): string => relative(dirname(readmePath), resolve(input.dir, p)).split(sep).join("/");
  const r = input.run;
  const m = r.machine;
  const gib = (m.memoryBytes / 2 ** 30).toFixed(0);
  const runtimes = [`node ${r.runtimes.node}`, r.runtimes.bun ? `bun ${r.runtimes.bun}` : null, r.runtimes.deno ? `deno ${r.runtimes.deno}` : null]
    .filter(Boolean)
    .join(", ");
  const commit = r.git.commit ? `commit ${r.git.commit.slice(0, 10)}${r.git.dirty ? " (dirty)" : ""}` : "no git commit";
  const embedded = README_EMBEDDED_CHARTS.flatMap((name) => charts.filter((c) => c.name === name));
  const linked = charts.filter((c) => !embedded.includes(c));
  const rp = r.config.repetitions;
  // `wsarena rerun` repeats a set's recorded configuration; a run set of several parts reruns each (capacity sets: see its report).
  const rerunOf = (folder: string) => `\`pnpm wsarena rerun ${rel(folder)}\``;
  const reruns = isMultiSet(input) ? (input.sources ?? []).filter((s) => s.kind !== "capacity").map((s) => rerunOf(s.folder)) : [rerunOf(".")];
  const machine = `${m.cpuModel}, ${m.cores} cores, ${gib} GiB, Linux ${m.kernel}; ${runtimes}; server on cpu ${r.pinning.serverCpus ?? "(not pinned)"}, clients on cpu ${r.pinning.clientCpus ?? "(not pinned)"}`;
  return [
    isMultiSet(input)
      ? `Result sets ${setList(input, rel)} in one report ([report.md](${rel("report.md")}), full report: [report.html](${rel("report.html")})): ${machine}; ${hasMixedCommits(input) ? "commits as listed per set" : commit}.`
      : `Result set [${r.runId}](${rel("report.md")}) (full report: [report.html](${rel("report.html")})): ${machine}; profile ${r.config.profile}, ${repetitionsPolicyText(rp)}; ${commit}.`,
    `Rerun: ${reruns.join(", ")} (the same configuration into a new set, compared with this one; ` +
      `figures from a shared virtual machine are noisy: compare ratios within one run).`,
    "",
    readmeDecision(input, rel),
    "",
    ...embedded.map((ch) => `![${ch.title}](${rel(`charts/${ch.name}.png`)})`),
    "",
    linked.map((ch) => `[${ch.title}](${rel(`charts/${ch.name}.png`)})`).join(" · "),
  ].join("\n");
}

/** The decision table with its legend and sources (the report's cannot-tell box stays in report.md). */
export function readmeDecision(input: ReportInput, link?: LinkTarget): string {
  const dt = decisionTable(input);
  return [markdownTable(decisionTableModel(dt), link), "", DECISION_LEGEND, "", decisionSources(dt)].join("\n");
}

/** Rewrites the block in the README file; returns true when the file changed. */
export function updateReadme(readmePath: string, block: string): boolean {
  const before = readFileSync(readmePath, "utf8");
  const after = replaceBlock(before, block, readmePath);
  if (after === before) return false;
  writeFileSync(readmePath, after);
  return true;
}
