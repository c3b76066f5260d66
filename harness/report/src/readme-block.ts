// Rewrites only the results block of README.md (between the markers) with the headline table and chart links.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "./render-md.ts";
import type { ReportInput } from "./model.ts";
import { headlineTable } from "./tables.ts";

export const README_START = "<!-- results:start -->";
export const README_END = "<!-- results:end -->";
/** README.md at the repository root (this file is harness/report/src/readme-block.ts). */
export const DEFAULT_README_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../../README.md");

/** Replaces the text between the markers (exclusive) with `block`; throws when the markers are missing or out of order. */
export function replaceBlock(readme: string, block: string, where = "README.md"): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < 0 || end < start || readme.indexOf(README_START, start + 1) >= 0) {
    throw new Error(`${where} needs exactly one "${README_START}" followed by one "${README_END}" line; add them where the results table should go, then rerun with --readme.`);
  }
  return `${readme.slice(0, start + README_START.length)}\n${block.trim()}\n${readme.slice(end)}`;
}

/** The README block: headline table and links to the charts, paths relative to the README's folder. */
export function readmeBlock(input: ReportInput, charts: { name: string; title: string }[], readmePath: string, vcpuHourUsd: number): string {
  const rel = (p: string): string => relative(dirname(readmePath), resolve(input.dir, p)).split(sep).join("/");
  const r = input.run;
  return [
    `Result set [${r.runId}](${rel("report.md")}) — ${r.machine.cpuModel}, server on cpu ${r.pinning.serverCpus ?? "(not pinned)"}, profile ${r.config.profile}, ${r.config.reps} reps; full report: [report.html](${rel("report.html")}).`,
    "",
    markdownTable(headlineTable(input, vcpuHourUsd)),
    "",
    charts.map((ch) => `[${ch.title}](${rel(`charts/${ch.name}.png`)})`).join(" · "),
  ].join("\n");
}

/** Rewrites the block in the README file; returns true when the file changed. */
export function updateReadme(readmePath: string, block: string): boolean {
  const before = readFileSync(readmePath, "utf8");
  const after = replaceBlock(before, block, readmePath);
  if (after === before) return false;
  writeFileSync(readmePath, after);
  return true;
}
