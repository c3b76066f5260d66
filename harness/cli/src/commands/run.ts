// `wsarena run`: validates flags, verifies and times the stack × scenario matrix, writes a result set and prints a summary.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  DEFAULT_RUN_LOAD_SHAPE,
  DEFAULT_SLO,
  PROFILES,
  PROFILE_REPETITIONS,
  estimateRunRangeMs,
  parseSlo,
  fixedRepetitions,
  makeRunId,
  runMatrix,
  selectScenarios,
  type Profile,
  type RepetitionPolicy,
} from "@wsarena/runner";
import { REPO_ROOT } from "@wsarena/stacks";
import { LOAD_SHAPE_IDS, RUN_FILE, checkWritableDir } from "@wsarena/results";
import { asUsage, parseChoice, parseDurationFlag, parseFlags, parseIntFlag, parseList, parsePercentFlag } from "../args.ts";
import { UsageError, type Command } from "../command.ts";
import { createProgress, fmtDuration } from "../progress.ts";
import { EXIT_INTERRUPTED, interruptible, pinningFromFlags, stacksFromFlag } from "../setup.ts";
import { formatSummary, rankPoints } from "../summary.ts";
import { verifyStack } from "./verify.ts";

/** Default profile of `wsarena run`. */
export const DEFAULT_PROFILE: Profile = "standard";
/** Verification level before timing, per profile: quick runs the smoke subset. */
export const VERIFY_LEVEL: Readonly<Record<Profile, "smoke" | "full">> = { quick: "smoke", standard: "full", full: "full" };
/** Largest --reps, --min-reps and --max-reps accepted. */
export const MAX_REPS = 50;
/** Largest --target-ci accepted, %. */
export const MAX_TARGET_CI_PCT = 50;
/** Shortest and longest --budget accepted, ms. */
export const MIN_BUDGET_MS = 10_000;
export const MAX_BUDGET_MS = 24 * 3_600_000;

const USAGE = `wsarena run [--stacks a,b] [--scenarios x,y] [--profile quick|standard|full] [--reps N | --min-reps N --max-reps N --target-ci 5% --budget 45m] [--slo "${DEFAULT_SLO}"] [--server-cpus 0] [--client-cpus 1] [--load-shape one-per-write|pipelined] [--out DIR] [--json]`;

/** Flag values that decide the repetition policy. */
export interface RepetitionFlags {
  reps?: string;
  "min-reps"?: string;
  "max-reps"?: string;
  "target-ci"?: string;
  budget?: string;
}

/**
 * The repetition policy from flags over the profile's default: --reps N is a fixed count (and excludes the adaptive
 * flags); otherwise --min-reps, --max-reps, --target-ci and --budget override the profile's values one by one.
 */
export function resolveRepetitions(profile: Profile, f: RepetitionFlags): RepetitionPolicy {
  const reps = parseIntFlag("reps", f.reps, 1, MAX_REPS);
  const adaptive = (["min-reps", "max-reps", "target-ci", "budget"] as const).filter((k) => f[k] !== undefined);
  if (reps !== undefined) {
    if (adaptive.length)
      throw new UsageError(`--reps sets a fixed count and cannot be combined with ${adaptive.map((k) => `--${k}`).join(", ")}; drop one of them`);
    return fixedRepetitions(reps);
  }
  const base = PROFILE_REPETITIONS[profile];
  const minReps = parseIntFlag("min-reps", f["min-reps"], 1, MAX_REPS) ?? base.minReps;
  const maxFlag = parseIntFlag("max-reps", f["max-reps"], 1, MAX_REPS);
  if (maxFlag !== undefined && maxFlag < minReps)
    throw new UsageError(`--max-reps ${maxFlag} is below the ${minReps} repetitions every measurement gets (--min-reps); give a cap at least as large`);
  const maxReps = maxFlag ?? Math.max(base.maxReps, minReps);
  const targetCiHalfWidthRel = parsePercentFlag("target-ci", f["target-ci"], MAX_TARGET_CI_PCT) ?? base.targetCiHalfWidthRel;
  const budgetMs = parseDurationFlag("budget", f.budget, MIN_BUDGET_MS, MAX_BUDGET_MS) ?? base.budgetMs;
  return { minReps, maxReps, targetCiHalfWidthRel, budgetMs, fixed: false };
}

/** One line describing a repetition policy, e.g. "3–10 reps until ±5 %, budget 40m" or "2 reps (fixed)". */
export function describeRepetitions(p: RepetitionPolicy): string {
  if (p.fixed) return `${p.minReps} reps (fixed)`;
  const budget = p.budgetMs === null ? "no budget" : `budget ${fmtDuration(p.budgetMs)}`;
  return `${p.minReps}–${p.maxReps} reps until the 95 % interval is within ±${+(p.targetCiHalfWidthRel * 100).toFixed(2)} %, ${budget}`;
}

/** The end of a run on stdout: the JSON ranking, or the summary tables with the wall time and where the time went. */
function printOutcome(outcome: Awaited<ReturnType<typeof runMatrix>>, o: { runId: string; outDir: string; wallMs: number; json: boolean }): void {
  if (o.json) {
    console.log(
      JSON.stringify({ runId: o.runId, dir: o.outDir, status: outcome.run.status, wallMs: o.wallMs, ranking: rankPoints(outcome.measurements) }, null, 2),
    );
    return;
  }
  console.log(formatSummary(outcome.measurements));
  console.log(
    `\n${outcome.run.status === "complete" ? "complete" : "INTERRUPTED (partial results kept)"} in ${fmtDuration(o.wallMs)} — result set: ${relative(process.cwd(), o.outDir) || o.outDir}`,
  );
  const t = outcome.run.timing;
  if (t && t.timingPhaseMs > 0) {
    console.log(
      `timing phase ${fmtDuration(t.timingPhaseMs)}: ${Math.round((100 * t.inWindowMs) / t.timingPhaseMs)} % inside measured windows, ${fmtDuration(t.quietWaitMs)} waiting for a quiet machine`,
    );
  }
}

export const command: Command = {
  name: "run",
  summary: "Verify, then time every stack in every scenario (fresh pinned server per repetition); write results/<runId>/.",
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      stacks: { type: "string" },
      scenarios: { type: "string" },
      profile: { type: "string" },
      reps: { type: "string" },
      "min-reps": { type: "string" },
      "max-reps": { type: "string" },
      "target-ci": { type: "string" },
      budget: { type: "string" },
      slo: { type: "string" },
      "server-cpus": { type: "string" },
      "client-cpus": { type: "string" },
      "load-shape": { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
    });
    const profile = parseChoice("profile", values.profile, PROFILES) ?? DEFAULT_PROFILE;
    const repetitions = resolveRepetitions(profile, values);
    // A variant a stack cannot run is recorded as skipped with its reason, not refused.
    const stacks = stacksFromFlag(values.stacks, { skipVariants: true });
    const scenarios = asUsage(() => selectScenarios(parseList("scenarios", values.scenarios)));
    const slo = asUsage(() => parseSlo(values.slo ?? DEFAULT_SLO));
    const pinning = pinningFromFlags(values);
    const loadShape = parseChoice("load-shape", values["load-shape"], LOAD_SHAPE_IDS) ?? DEFAULT_RUN_LOAD_SHAPE; // echo-open points only
    const runId = makeRunId();
    const outDir = resolve(values.out ?? join(REPO_ROOT, "results", runId));
    if (existsSync(join(outDir, RUN_FILE))) throw new UsageError(`--out ${outDir} already holds a result set (${RUN_FILE}); choose an empty folder`);

    // Last of the set-up checks, so a rejected run leaves no folder behind.
    asUsage(() => checkWritableDir(outDir));
    const { runLoad } = await import("@wsarena/loadgen");
    const interrupt = interruptible("after cleanup");
    const progress = createProgress();
    const t0 = Date.now();
    const log = (s: string) => process.stderr.write(`${s}\n`);
    log(
      `run ${runId}: ${stacks.length} stacks × ${scenarios.length} scenarios, profile ${profile}, ${describeRepetitions(repetitions)}, SLO ${slo.map((c) => c.text).join(",")}, server cpus ${pinning.serverList}, client cpus ${pinning.clientList}, open-loop load shape ${loadShape}`,
    );
    log(`results: ${relative(process.cwd(), outDir) || outDir}`);
    const est = estimateRunRangeMs(scenarios, profile, stacks.filter((s) => s.runnable).length, repetitions);
    const range =
      est.maxMs > est.minMs ? `~${fmtDuration(est.minMs)} at ${repetitions.minReps} reps, at most ~${fmtDuration(est.maxMs)}` : `~${fmtDuration(est.minMs)}`;
    log(`estimated time: ${range} plus verification (ladders may stop early)`);
    let outcome: Awaited<ReturnType<typeof runMatrix>>;
    try {
      outcome = await runMatrix({
        runId,
        outDir,
        stacks,
        scenarios,
        profile,
        repetitions,
        pinning,
        loadShape, // each message alone at its due time, or pipelined in 1 ms ticks
        runLoad,
        slo,
        verify: async (stack) => {
          const v = await verifyStack(stack, VERIFY_LEVEL[profile], pinning.serverList);
          return { ok: v.ok, level: v.level, failures: v.failures };
        },
        signal: interrupt.signal,
        onEvent: progress.onEvent,
      });
    } finally {
      progress.end();
      interrupt.release();
    }
    printOutcome(outcome, { runId, outDir, wallMs: Date.now() - t0, json: !!values.json });
    if (outcome.run.status !== "complete") {
      // Work abandoned by the interruption (a load's own timers) must not keep the process alive.
      setTimeout(() => process.exit(EXIT_INTERRUPTED), 500).unref();
      return EXIT_INTERRUPTED;
    }
    return 0;
  },
};
