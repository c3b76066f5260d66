// `wsarena run`: validates flags, verifies and times the stack × scenario matrix, writes a result set and prints a summary.
import {
  DEFAULT_RUN_LOAD_SHAPE,
  DEFAULT_SLO,
  PROFILES,
  PROFILE_REPETITIONS,
  parseSlo,
  fixedRepetitions,
  selectScenarios,
  type Profile,
  type RepetitionPolicy,
} from "@wsarena/runner";
import { LOAD_SHAPE_IDS } from "@wsarena/results";
import { asUsage, parseChoice, parseDurationFlag, parseFlags, parseIntFlag, parseList, parsePercentFlag } from "../args.ts";
import { UsageError, type Command } from "../command.ts";
import { executeRun, interruptedExit, outcomeJson, printOutcome } from "../execute-run.ts";
import { pinningFromFlags, stacksFromFlag } from "../setup.ts";

/** Default profile of `wsarena run`. */
export const DEFAULT_PROFILE: Profile = "standard";
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
    const done = await executeRun({ stacks, scenarios, profile, repetitions, slo, pinning, loadShape }, { out: values.out });
    if (values.json) console.log(JSON.stringify(outcomeJson(done), null, 2));
    else printOutcome(done);
    return done.outcome.run.status === "complete" ? 0 : interruptedExit();
  },
};
