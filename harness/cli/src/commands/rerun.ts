// `wsarena rerun <result-set>`: runs the configuration a result set recorded again into a new set, then compares the two
// with compare's intervals and lists what else differs between them (commit, runtimes, packages, machine).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { compareResultSets, formatComparison, isCapacitySet, loadCapacitySet, loadReportInput, toReportInput } from "@wsarena/report";
import { RUN_FILE, loadResultSet, runLoadShapeOf, type ResultSet } from "@wsarena/results";
import { DEFAULT_SLO, PROFILES, SCENARIOS, parseSlo, recordedRepetitions, selectScenarios, type Profile } from "@wsarena/runner";
import { VARIANTS, discoverStacks, parseStackSelector, selectStacks, type DiscoveredStack } from "@wsarena/stacks";
import { asUsage, parseFlags } from "../args.ts";
import { UsageError, type Command } from "../command.ts";
import { executeRun, interruptedExit, outcomeJson, printOutcome, type RunSettings } from "../execute-run.ts";
import { formatDifferences, setDifferences } from "../set-diff.ts";
import { pinningFromFlags } from "../setup.ts";
import { userPath } from "./report.ts";

const USAGE = "wsarena rerun <result-dir> [--out DIR] [--json]";

/** The one-line refusal of a capacity set, with the `wsarena capacity` line that repeats its recorded ladder. */
export function capacityRefusal(dir: string, shown: string): string {
  const rec = loadCapacitySet(dir);
  const c = rec.config;
  const flags = [
    `--stacks ${rec.stacks.map((s) => s.id).join(",")}`,
    `--profile ${c.profile}`,
    ...(c.users === null ? [] : [`--users ${c.users}`]),
    `--criteria "${c.criteria.join(",")}"`,
    `--steps ${c.steps.join(",")}`,
    `--step-ms ${c.stepMs}`,
    ...(rec.pinning.serverCpus === null ? [] : [`--server-cpus ${rec.pinning.serverCpus}`]),
    ...(rec.pinning.clientCpus === null ? [] : [`--client-cpus ${rec.pinning.clientCpus}`]),
  ];
  return `${shown} is a capacity set (capacity.json), which rerun does not repeat; run its recorded ladder again with \`pnpm wsarena capacity ${flags.join(" ")}\``;
}

/** The set's stacks and variants as this checkout discovers them; one it no longer has is a usage error naming the fix. */
function stacksOfSet(set: ResultSet, shown: string): DiscoveredStack[] {
  const ids = set.run.config.stacks;
  const all = discoverStacks();
  const gone = ids.filter((id) => {
    const { stack, variant } = parseStackSelector(id);
    return !all.some((s) => s.id === stack) || (variant !== null && !(variant in VARIANTS));
  });
  if (gone.length) {
    const rest = ids.filter((id) => !gone.includes(id));
    const at = set.run.git.commit ? ` (it was run at commit ${set.run.git.commit.slice(0, 10)})` : "";
    throw new UsageError(
      `${shown} ran ${gone.map((g) => `"${g}"`).join(", ")}, which this checkout no longer has (servers/<stack>/stack.json or its variant); check out the set's commit to rerun it${at}` +
        (rest.length ? `, or time the rest with \`pnpm wsarena run --stacks ${rest.join(",")}\`` : ""),
    );
  }
  return asUsage(() => selectStacks(all, [...ids]));
}

/** The run settings a result set recorded, read the way older sets mean them (see runConfigSchema). */
export function settingsOfSet(set: ResultSet, shown: string): RunSettings {
  const c = set.run.config;
  if (!(PROFILES as readonly string[]).includes(c.profile))
    throw new UsageError(
      `${shown} was run with profile "${c.profile}", which this wsarena does not have (${PROFILES.join(", ")}); check out the set's commit to rerun it`,
    );
  const unknown = c.scenarios.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length)
    throw new UsageError(
      `${shown} ran scenario ${unknown.map((u) => `"${u}"`).join(", ")}, which this wsarena no longer has; check out the set's commit to rerun it`,
    );
  return {
    stacks: stacksOfSet(set, shown),
    scenarios: selectScenarios(c.scenarios),
    profile: c.profile as Profile,
    repetitions: recordedRepetitions(c.repetitions),
    // A set older than config.slo judged no knee, so the default reproduces it.
    slo: asUsage(() => parseSlo(c.slo ?? DEFAULT_SLO)),
    pinning: pinningFromFlags({ "server-cpus": set.run.pinning.serverCpus ?? undefined, "client-cpus": set.run.pinning.clientCpus ?? undefined }),
    loadShape: runLoadShapeOf(c, set.measurements),
  };
}

/** Reads the result set the user named; a missing folder, a capacity set or a folder without run.json is a usage error. */
function originalSet(arg: string): ResultSet {
  const dir = userPath(arg);
  if (!existsSync(dir)) throw new UsageError(`${arg} does not exist; pass a result set folder written by \`wsarena run\` (results/<runId>/)`);
  if (isCapacitySet(dir)) throw new UsageError(capacityRefusal(dir, arg));
  if (!existsSync(join(dir, RUN_FILE)))
    throw new UsageError(`${arg} is not a result set (it has no ${RUN_FILE}); pass a folder written by \`wsarena run\` (results/<runId>/)`);
  return asUsage(() => loadResultSet(dir));
}

export const command: Command = {
  name: "rerun",
  summary: "Run a result set's recorded configuration again into a new set, then compare the two and list what differs (commit, runtimes, packages, machine).",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { out: { type: "string" }, json: { type: "boolean" } }, true);
    if (positionals.length !== 1) throw new UsageError(`expected one result set folder, got ${positionals.length ? positionals.join(" ") : "none"}`);
    const original = originalSet(positionals[0]!);
    const settings = settingsOfSet(original, positionals[0]!);
    const preface = [
      `rerun of ${original.run.runId} (${positionals[0]})`,
      ...settings.stacks.filter((x) => !x.runnable).map((x) => `note: ${x.id} cannot run here (${x.reason}); it is recorded as skipped`),
    ];
    const done = await executeRun(settings, { out: values.out, preface });
    if (done.outcome.run.status !== "complete") {
      if (values.json) console.log(JSON.stringify(outcomeJson(done), null, 2));
      else printOutcome(done);
      process.stderr.write(`not compared: the rerun is partial; \`pnpm wsarena compare ${positionals[0]} ${done.outDir}\` compares what finished\n`);
      return interruptedExit();
    }
    const comparison = compareResultSets(toReportInput(original), loadReportInput(done.outDir));
    const differences = setDifferences(original.run, done.outcome.run);
    if (values.json) {
      console.log(JSON.stringify({ ...outcomeJson(done), original: { runId: original.run.runId, dir: original.dir }, comparison, differences }, null, 2));
      return 0;
    }
    printOutcome(done);
    console.log(`\nComparison with the original (A = ${original.run.runId}, B = this rerun ${done.runId}):\n${formatComparison(comparison)}`);
    console.log(`\n${formatDifferences(differences, original.run, done.outcome.run)}`);
    return 0;
  },
};
