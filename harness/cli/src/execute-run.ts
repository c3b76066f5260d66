// The timed run both `wsarena run` and `wsarena rerun` start: resolved settings in, a result set and its outcome out.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Pinning } from "@wsarena/host";
import type { LoadShape } from "@wsarena/loadgen";
import { RUN_FILE, checkWritableDir, type Criterion } from "@wsarena/results";
import { estimateRunRangeMs, makeRunId, runMatrix, type Profile, type RepetitionPolicy, type Scenario } from "@wsarena/runner";
import { REPO_ROOT, type DiscoveredStack } from "@wsarena/stacks";
import { asUsage } from "./args.ts";
import { UsageError } from "./command.ts";
import { createProgress, fmtDuration } from "./progress.ts";
import { EXIT_INTERRUPTED, interruptible } from "./setup.ts";
import { formatSummary, rankPoints } from "./summary.ts";
import { verifyStack } from "./commands/verify.ts";

/** Verification level before timing, per profile: quick runs the smoke subset. */
export const VERIFY_LEVEL: Readonly<Record<Profile, "smoke" | "full">> = { quick: "smoke", standard: "full", full: "full" };

/** Everything a timed run is configured by, resolved (from flags by `run`, from a result set by `rerun`). */
export interface RunSettings {
  /** Stacks in the order of the first repetition; one that cannot run here is recorded as skipped with its reason. */
  stacks: readonly DiscoveredStack[];
  scenarios: readonly Scenario[];
  profile: Profile;
  repetitions: RepetitionPolicy;
  slo: readonly Criterion[];
  pinning: Pinning;
  /** How open-loop echo points write their schedule. */
  loadShape: LoadShape;
}

/** A finished (or interrupted) timed run. */
export interface ExecutedRun {
  runId: string;
  outDir: string;
  wallMs: number;
  outcome: Awaited<ReturnType<typeof runMatrix>>;
}

/** One line describing a repetition policy, e.g. "3–10 reps until ±5 %, budget 40m" or "2 reps (fixed)". */
export function describeRepetitions(p: RepetitionPolicy): string {
  if (p.fixed) return `${p.minReps} reps (fixed)`;
  const budget = p.budgetMs === null ? "no budget" : `budget ${fmtDuration(p.budgetMs)}`;
  return `${p.minReps}–${p.maxReps} reps until the 95 % interval is within ±${+(p.targetCiHalfWidthRel * 100).toFixed(2)} %, ${budget}`;
}

/** The result set folder of a new run: `--out` (which must not hold a set yet) or results/<runId>/, checked writable. */
export function resultFolder(out: string | undefined, runId: string): string {
  const outDir = resolve(out ?? join(REPO_ROOT, "results", runId));
  if (existsSync(join(outDir, RUN_FILE))) throw new UsageError(`--out ${outDir} already holds a result set (${RUN_FILE}); choose an empty folder`);
  // Last of the set-up checks, so a rejected run leaves no folder behind.
  asUsage(() => checkWritableDir(outDir));
  return outDir;
}

/** The run's plan on stderr: what runs, where the set goes and how long it should take. */
function logPlan(s: RunSettings, runId: string, outDir: string, log: (line: string) => void): void {
  log(
    `run ${runId}: ${s.stacks.length} stacks × ${s.scenarios.length} scenarios, profile ${s.profile}, ${describeRepetitions(s.repetitions)}, SLO ${s.slo.map((c) => c.text).join(",")}, server cpus ${s.pinning.serverList}, client cpus ${s.pinning.clientList}, open-loop load shape ${s.loadShape}`,
  );
  log(`results: ${relative(process.cwd(), outDir) || outDir}`);
  const est = estimateRunRangeMs(s.scenarios, s.profile, s.stacks.filter((x) => x.runnable).length, s.repetitions);
  const range =
    est.maxMs > est.minMs ? `~${fmtDuration(est.minMs)} at ${s.repetitions.minReps} reps, at most ~${fmtDuration(est.maxMs)}` : `~${fmtDuration(est.minMs)}`;
  log(`estimated time: ${range} plus verification (ladders may stop early)`);
}

/** Where a run's set goes, and lines to print before its plan once the folder is accepted. */
export interface RunTarget {
  /** `--out`, or undefined for results/<runId>/. */
  out: string | undefined;
  /** Lines for stderr ahead of the plan (e.g. which set a rerun repeats). */
  preface?: readonly string[];
}

/** Verifies and times the matrix of `s` into a new result set (`--out`, default results/<runId>/), with progress on stderr. */
export async function executeRun(s: RunSettings, target: RunTarget): Promise<ExecutedRun> {
  const runId = makeRunId();
  const outDir = resultFolder(target.out, runId);
  const { runLoad } = await import("@wsarena/loadgen");
  const interrupt = interruptible("after cleanup");
  const progress = createProgress();
  const t0 = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  for (const line of target.preface ?? []) log(line);
  logPlan(s, runId, outDir, log);
  try {
    const outcome = await runMatrix({
      runId,
      outDir,
      stacks: s.stacks,
      scenarios: s.scenarios,
      profile: s.profile,
      repetitions: s.repetitions,
      pinning: s.pinning,
      loadShape: s.loadShape, // each message alone at its due time, or pipelined in 1 ms ticks
      runLoad,
      slo: s.slo,
      verify: async (stack) => {
        const v = await verifyStack(stack, VERIFY_LEVEL[s.profile], s.pinning.serverList);
        return { ok: v.ok, level: v.level, failures: v.failures };
      },
      signal: interrupt.signal,
      onEvent: progress.onEvent,
    });
    return { runId, outDir, wallMs: Date.now() - t0, outcome };
  } finally {
    progress.end();
    interrupt.release();
  }
}

/** The --json form of a run's end: id, folder, status, wall time and the ranking. */
export function outcomeJson(r: ExecutedRun): Record<string, unknown> {
  return { runId: r.runId, dir: r.outDir, status: r.outcome.run.status, wallMs: r.wallMs, ranking: rankPoints(r.outcome.measurements) };
}

/** The end of a run on stdout as text: the summary tables with the wall time and where the time went. */
export function printOutcome(r: ExecutedRun): void {
  const { outcome } = r;
  console.log(formatSummary(outcome.measurements));
  console.log(
    `\n${outcome.run.status === "complete" ? "complete" : "INTERRUPTED (partial results kept)"} in ${fmtDuration(r.wallMs)} — result set: ${relative(process.cwd(), r.outDir) || r.outDir}`,
  );
  const t = outcome.run.timing;
  if (t && t.timingPhaseMs > 0) {
    console.log(
      `timing phase ${fmtDuration(t.timingPhaseMs)}: ${Math.round((100 * t.inWindowMs) / t.timingPhaseMs)} % inside measured windows, ${fmtDuration(t.quietWaitMs)} waiting for a quiet machine`,
    );
  }
}

/** Exit code of an interrupted run; work abandoned by the interruption (a load's own timers) must not keep the process alive. */
export function interruptedExit(): number {
  setTimeout(() => process.exit(EXIT_INTERRUPTED), 500).unref();
  return EXIT_INTERRUPTED;
}
