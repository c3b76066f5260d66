// `wsarena run`: validates flags, verifies and times the stack × scenario matrix, writes a result set and prints a summary.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  DEFAULT_CLIENT_CPUS,
  DEFAULT_SERVER_CPUS,
  PROFILES,
  PROFILE_REPS,
  REPO_ROOT,
  RUN_FILE,
  discoverStacks,
  estimateRunMs,
  killDescendants,
  makeRunId,
  resolvePinning,
  resolveCommand,
  runMatrix,
  selectScenarios,
  selectStacks,
  type Profile,
} from "@wsarena/runner";
import { asUsage, parseChoice, parseFlags, parseIntFlag, parseList } from "../args.ts";
import { UsageError, type Command } from "../command.ts";
import { createProgress, fmtDuration } from "../progress.ts";
import { formatSummary, rankPoints } from "../summary.ts";
import { verifyStack } from "./verify.ts";

/** Default profile of `wsarena run`. */
export const DEFAULT_PROFILE: Profile = "standard";
/** Verification level before timing, per profile: quick runs the smoke subset. */
export const VERIFY_LEVEL: Readonly<Record<Profile, "smoke" | "full">> = { quick: "smoke", standard: "full", full: "full" };
/** Largest --reps accepted. */
export const MAX_REPS = 50;
/** Exit code of an interrupted run (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

const USAGE =
  "wsarena run [--stacks a,b] [--scenarios x,y] [--profile quick|standard|full] [--reps N] [--server-cpus 0] [--client-cpus 1] [--out DIR] [--json]";

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
      "server-cpus": { type: "string" },
      "client-cpus": { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
    });
    const profile = parseChoice("profile", values.profile, PROFILES) ?? DEFAULT_PROFILE;
    const reps = parseIntFlag("reps", values.reps, 1, MAX_REPS) ?? PROFILE_REPS[profile];
    const all = discoverStacks();
    if (all.length === 0) throw new UsageError("no stacks found: no servers/*/stack.json in this checkout");
    const stacks = asUsage(() => selectStacks(all, parseList("stacks", values.stacks)));
    const scenarios = asUsage(() => selectScenarios(parseList("scenarios", values.scenarios)));
    const pinning = asUsage(() => resolvePinning(values["server-cpus"] ?? DEFAULT_SERVER_CPUS, values["client-cpus"] ?? DEFAULT_CLIENT_CPUS));
    if (!resolveCommand(REPO_ROOT, "taskset")) throw new UsageError("taskset was not found on PATH; install util-linux (apt-get install util-linux) to pin servers and clients");
    const runId = makeRunId();
    const outDir = resolve(values.out ?? join(REPO_ROOT, "results", runId));
    if (existsSync(join(outDir, RUN_FILE))) throw new UsageError(`--out ${outDir} already holds a result set (${RUN_FILE}); choose an empty folder`);
    const notRunnable = stacks.filter((s) => !s.runnable);
    if (values.stacks && notRunnable.length) {
      throw new UsageError(`stack ${notRunnable.map((s) => `${s.id} (${s.reason})`).join(", ")} cannot run here`);
    }

    const { runLoad } = await import("@wsarena/loadgen");
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        process.stderr.write(`\n${sig}: stopping after cleanup (send again to exit at once)\n`);
        controller.abort();
      } else {
        killDescendants("SIGKILL");
        process.exit(EXIT_INTERRUPTED);
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const progress = createProgress();
    const t0 = Date.now();
    const log = (s: string) => process.stderr.write(`${s}\n`);
    log(`run ${runId}: ${stacks.length} stacks × ${scenarios.length} scenarios, profile ${profile}, ${reps} reps, server cpus ${pinning.serverList}, client cpus ${pinning.clientList}`);
    log(`results: ${relative(process.cwd(), outDir) || outDir}`);
    log(`estimated time: ~${fmtDuration(estimateRunMs(scenarios, profile, stacks.filter((s) => s.runnable).length, reps))} plus verification (ladders may stop early)`);
    let outcome;
    try {
      outcome = await runMatrix({
        runId,
        outDir,
        stacks,
        scenarios,
        profile,
        reps,
        pinning,
        runLoad,
        verify: async (stack) => {
          const v = await verifyStack(stack, VERIFY_LEVEL[profile], pinning.serverList);
          return { ok: v.ok, level: v.level, failures: v.failures };
        },
        signal: controller.signal,
        onEvent: progress.onEvent,
      });
    } finally {
      progress.end();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    const wallMs = Date.now() - t0;
    if (values.json) {
      console.log(JSON.stringify({ runId, dir: outDir, status: outcome.run.status, wallMs, ranking: rankPoints(outcome.measurements) }, null, 2));
    } else {
      console.log(formatSummary(outcome.measurements));
      console.log(`\n${outcome.run.status === "complete" ? "complete" : "INTERRUPTED (partial results kept)"} in ${fmtDuration(wallMs)} — result set: ${relative(process.cwd(), outDir) || outDir}`);
    }
    if (outcome.run.status !== "complete") {
      // Work abandoned by the interruption (a load's own timers) must not keep the process alive.
      setTimeout(() => process.exit(EXIT_INTERRUPTED), 500).unref();
      return EXIT_INTERRUPTED;
    }
    return 0;
  },
};
