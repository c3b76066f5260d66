// The result sets of one report: which folders hold one, where the report goes, and loading them into one
// ReportInput (run sets merged, capacity sets beside them in input.capacity), every figure knowing its file.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, parse, resolve, sep } from "node:path";
import { CAPACITY_FILE, loadResultSet, measurementFileName, RUN_FILE } from "@wsarena/results";
import { loadCapacitySet } from "./capacity.ts";
import { scenarioOrder, toReportInput } from "./load.ts";
import { checkNoDuplicates, checkSameOrigin, checkScenarioParams, mergedRun, type CapacityPart, type RunPart } from "./merge-sets.ts";
import type { ReportInput } from "./model.ts";
import { capacitySource, inFolder, relativeLink, runSource } from "./sources.ts";

/** What a result folder holds: a `wsarena run` set (run.json) or a `wsarena capacity` set (capacity.json). */
export type SetKind = "run" | "capacity";

/** The kind of set in `dir`, or null when it holds neither run.json nor capacity.json. */
export function setKindOf(dir: string): SetKind | null {
  if (existsSync(join(dir, RUN_FILE))) return "run";
  if (existsSync(join(dir, CAPACITY_FILE))) return "capacity";
  return null;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/**
 * The result sets named by `paths`, in the order given: a folder holding run.json or capacity.json is a set; a folder
 * holding neither stands for its subfolders that do (sorted by name, one level down, so `results/reference` is its
 * parts). Files and folders with no set in reach are returned as skipped, so that a shell glob over a report's folder
 * (its report.md, charts/) works; a set named twice counts once.
 */
export function resultSetFolders(paths: readonly string[]): { sets: string[]; skipped: string[] } {
  const sets: string[] = [];
  const skipped: string[] = [];
  for (const p of paths) {
    if (!isDir(p)) {
      skipped.push(p);
      continue;
    }
    if (setKindOf(p)) {
      sets.push(p);
      continue;
    }
    const subs = readdirSync(p)
      .filter((n) => !n.startsWith("."))
      .sort()
      .map((n) => join(p, n))
      .filter((d) => isDir(d) && setKindOf(d) !== null);
    if (subs.length) sets.push(...subs);
    else skipped.push(p);
  }
  const seen = new Set<string>();
  const unique = sets.filter((s) => {
    const key = resolve(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { sets: unique, skipped };
}

/**
 * Where a report of `paths` goes without --out: the folder named when there is one (a set's report goes into the set,
 * a folder of parts gets the report of its parts), else the deepest folder that holds every path named.
 */
export function defaultReportDir(paths: readonly string[]): string {
  const abs = paths.map((p) => resolve(p));
  if (abs.length === 1) return abs[0]!;
  const split = abs.map((p) => p.split(sep).filter(Boolean));
  const common: string[] = [];
  for (let i = 0; split.every((s) => i < s.length - 1 && s[i] === split[0]![i]); i++) common.push(split[0]![i]!);
  return join(parse(abs[0]!).root, ...common);
}

/**
 * Loads the sets in `dirs` as one report written into `reportDir`. One run set alone is read as it is; several are
 * checked (same commit and machine, each (stack, scenario) and capacity (stack, profile) once, a scenario with one
 * set of parameters: one line naming the folders otherwise) and merged (mergedRun). Capacity sets fill input.capacity.
 */
export function loadReportSets(dirs: readonly string[], reportDir: string, opts: { allowMixedCommits?: boolean } = {}): ReportInput {
  const runs: RunPart[] = [];
  const caps: CapacityPart[] = [];
  for (const dir of dirs) {
    const folder = relativeLink(reportDir, dir);
    const kind = setKindOf(dir);
    if (kind === "run") {
      const set = loadResultSet(dir);
      runs.push({ folder, run: set.run, measurements: set.measurements });
    } else if (kind === "capacity") caps.push({ folder, file: CAPACITY_FILE, rec: loadCapacitySet(dir) });
    else
      throw new Error(
        `${dir} is not a result set: it holds neither ${RUN_FILE} nor ${CAPACITY_FILE}; pass folders written by \`wsarena run\` or \`wsarena capacity\``,
      );
  }
  checkSameOrigin(
    [...runs.map((r) => ({ folder: r.folder, origin: r.run })), ...caps.map((c) => ({ folder: c.folder, origin: c.rec }))],
    opts.allowMixedCommits,
  );
  checkNoDuplicates(runs, caps);
  checkScenarioParams(runs);
  const run = runs.length === 1 && caps.length === 0 ? runs[0]!.run : mergedRun(runs, caps);
  const files = new Map<string, string>();
  for (const r of runs) for (const m of r.measurements) files.set(`${m.stack}|${m.scenario}`, inFolder(r.folder, measurementFileName(m.stack, m.scenario)));
  const sources = [
    ...runs.map((r) => runSource(r.run, r.folder, scenarioOrder(r.run, r.measurements))),
    ...caps.map((c) => capacitySource(c.rec, c.folder, c.file)),
  ];
  const input = toReportInput(
    { dir: reportDir, run, measurements: runs.flatMap((r) => r.measurements) },
    { fileOf: (m) => files.get(`${m.stack}|${m.scenario}`)!, sources },
  );
  return caps.length ? { ...input, capacity: caps.map((c) => c.rec) } : input;
}
