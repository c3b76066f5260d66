// The result sets a report was built from: one SourceSet per set (folder, run id, profile, repetitions, wall time)
// and the table that lists them in a report of several sets.
import { relative, sep } from "node:path";
import type { CapacityRecord, RunRecord } from "@wsarena/results";
import { c, type Table } from "./cells.ts";
import { fmtDuration, fmtDurationExact } from "./format.ts";
import type { ReportInput, SourceSet } from "./model.ts";

/** `path` relative to `fromDir`, "/"-separated, "." for the folder itself (a link target inside a report). */
export function relativeLink(fromDir: string, path: string): string {
  return relative(fromDir, path).split(sep).join("/") || ".";
}

/** `file` inside `folder` as a link ("run.json" when the folder is the report's own). */
export function inFolder(folder: string, file: string): string {
  return folder === "." ? file : `${folder}/${file}`;
}

/** A run's repetitions policy in words: "3 reps", or "3–10 reps until the 95 % interval is within ±5%[ or the 40-minute budget is spent]". */
export function repetitionsPolicyText(rp: RunRecord["config"]["repetitions"]): string {
  if (rp.minReps === rp.maxReps) return `${rp.minReps} reps`;
  const pct = `${+(rp.targetCiHalfWidthRel * 100).toFixed(2)}%`;
  const budget = rp.budgetMs === null ? "" : ` or the ${Math.round(rp.budgetMs / 60_000)}-minute budget is spent`;
  return `${rp.minReps}–${rp.maxReps} reps until the 95 % interval is within ±${pct}${budget}`;
}

/** The source entry of a run set whose folder is `folder` (relative to the report's folder). */
export function runSource(run: RunRecord, folder: string, scenarios: readonly string[]): SourceSet {
  return {
    kind: "run",
    folder,
    file: inFolder(folder, "run.json"),
    runId: run.runId,
    profile: run.config.profile,
    repetitions: repetitionsPolicyText(run.config.repetitions),
    scenarios,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    commit: run.git.commit,
    status: run.status,
  };
}

/** The source entry of a capacity set whose folder is `folder` (relative to the report's folder). */
export function capacitySource(rec: CapacityRecord, folder: string, file: string): SourceSet {
  return {
    kind: "capacity",
    folder,
    file: inFolder(folder, file),
    runId: rec.runId,
    profile: rec.config.profile,
    repetitions: `ladder of ${rec.config.steps.join(", ")} users, ${fmtDurationExact(rec.config.stepMs)} per step`,
    scenarios: ["capacity"],
    startedAt: rec.startedAt,
    finishedAt: rec.finishedAt,
    commit: rec.git.commit,
    status: rec.status,
  };
}

/** The source of a capacity record of the input (run ids are unique among the sources), or undefined. */
export function capacitySourceOf(input: ReportInput, rec: CapacityRecord): SourceSet | undefined {
  return input.sources?.find((s) => s.kind === "capacity" && s.runId === rec.runId);
}

/** True when the sets of a report were measured at more than one commit (report --allow-mixed-commits). */
export function hasMixedCommits(input: ReportInput): boolean {
  return new Set((input.sources ?? []).map((s) => s.commit)).size > 1;
}

/** A commit as shown: its first 10 characters, or "no git commit". */
export function shortCommit(commit: string | null): string {
  return commit ? commit.slice(0, 10) : "no git commit";
}

/** True when the report was built from more than one set (a run set with capacity sets counts). */
export function isMultiSet(input: ReportInput): boolean {
  return (input.sources?.length ?? 1) > 1;
}

/** "start → end (duration)" of a set's run. */
export function wallTimeText(s: Pick<SourceSet, "startedAt" | "finishedAt">): string {
  if (s.finishedAt === null) return `${s.startedAt} → not finished`;
  const ms = Date.parse(s.finishedAt) - Date.parse(s.startedAt);
  return `${s.startedAt} → ${s.finishedAt}${Number.isFinite(ms) && ms >= 0 ? ` (${fmtDuration(ms)})` : ""}`;
}

/** One row per result set of a report of several sets (each folder linked to its run file), or null for one set. */
export function sourcesTable(input: ReportInput): Table | null {
  if (!isMultiSet(input)) return null;
  return {
    headers: ["Set", "Run", "Commit", "Profile", "Repetitions", "Scenarios", "Wall time", "Status"],
    rows: (input.sources ?? []).map((s) => [
      { ...c(s.folder), href: s.file },
      c(s.runId),
      c(shortCommit(s.commit)),
      c(s.kind === "capacity" ? `${s.profile} users` : s.profile),
      c(s.repetitions),
      c(s.scenarios.join(", ")),
      c(wallTimeText(s)),
      c(s.status),
    ]),
    notes: [
      hasMixedCommits(input)
        ? `This report merges ${input.sources?.length} result sets from one machine but ${new Set(input.sources?.map((s) => s.commit)).size} commits (given with --allow-mixed-commits): each set's figures come from its own commit's code, named in the Commit column; the run table above describes them together, this table each one.`
        : `This report merges ${input.sources?.length} result sets from one commit and machine (checked when they were loaded): the run table above describes them together, this table each one.`,
    ],
  };
}
