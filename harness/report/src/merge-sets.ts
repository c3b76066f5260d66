// Several result sets as one: the checks that they can share a report (one commit and machine, each (stack,
// scenario) measured once, a scenario measured with one set of parameters) and the run record that describes them together.
import { measurementFileName, SCHEMA_VERSION, type CapacityRecord, type MeasurementRecord, type RunRecord, type RunStackRecord } from "@wsarena/results";
import { inFolder } from "./sources.ts";

/** A loaded run set and its folder relative to the report's folder. */
export interface RunPart {
  folder: string;
  run: RunRecord;
  measurements: MeasurementRecord[];
}

/** A loaded capacity set, its folder relative to the report's folder and its file name. */
export interface CapacityPart {
  folder: string;
  file: string;
  rec: CapacityRecord;
}

/** The field of ORIGIN_FIELDS that `allowMixedCommits` leaves unchecked. */
const COMMIT_FIELD = "git commit";

/** What every set of one report must share, as recorded in run.json and capacity.json. */
type Origin = Pick<RunRecord, "git" | "machine" | "runtimes" | "pinning">;

/** The fields compared across sets, each with its name in the error and its value as text. */
export const ORIGIN_FIELDS: readonly (readonly [string, (o: Origin) => string])[] = [
  [COMMIT_FIELD, (o) => o.git.commit ?? "none (not a git checkout)"],
  ["cpu model", (o) => o.machine.cpuModel],
  ["cores", (o) => String(o.machine.cores)],
  ["memory bytes", (o) => String(o.machine.memoryBytes)],
  ["kernel", (o) => o.machine.kernel],
  ["platform", (o) => o.machine.platform],
  ["node version", (o) => o.runtimes.node],
  ["bun version", (o) => o.runtimes.bun ?? "none"],
  ["deno version", (o) => o.runtimes.deno ?? "none"],
  ["server cpus", (o) => o.pinning.serverCpus ?? "not pinned"],
  ["client cpus", (o) => o.pinning.clientCpus ?? "not pinned"],
];

/**
 * Throws one line naming the first field two sets differ in, with both values; sets of one report share commit and
 * machine. With `allowMixedCommits` (report --allow-mixed-commits) the commits may differ: the report then names each
 * set's commit.
 */
export function checkSameOrigin(sets: readonly { folder: string; origin: Origin }[], allowMixedCommits = false): void {
  const [first, ...rest] = sets;
  if (!first) return;
  for (const s of rest) {
    for (const [field, value] of ORIGIN_FIELDS) {
      if (allowMixedCommits && field === COMMIT_FIELD) continue;
      const a = value(first.origin);
      const b = value(s.origin);
      if (a !== b)
        throw new Error(
          `result sets ${first.folder} and ${s.folder} differ in ${field} (${a} vs ${b}); one report needs sets from the same commit and machine: rerun ${s.folder} there, or report the sets separately and compare them with \`wsarena compare\`${field === COMMIT_FIELD ? " (or pass --allow-mixed-commits: the report then names each set's commit)" : ""}`,
        );
    }
  }
}

/** Throws one line when a run id, a (stack, scenario) or a (stack, capacity profile) appears in two sets. */
export function checkNoDuplicates(runs: readonly RunPart[], caps: readonly CapacityPart[]): void {
  const seenRun = new Map<string, string>();
  for (const s of [...runs.map((r) => ({ folder: r.folder, runId: r.run.runId })), ...caps.map((c) => ({ folder: c.folder, runId: c.rec.runId }))]) {
    const other = seenRun.get(s.runId);
    if (other !== undefined) throw new Error(`${other} and ${s.folder} hold the same run (${s.runId}); pass it once`);
    seenRun.set(s.runId, s.folder);
  }
  const seen = new Map<string, string>();
  const claim = (key: string, what: string, folder: string, file: string): void => {
    const other = seen.get(key);
    if (other !== undefined)
      throw new Error(
        `${what} is measured in both ${other} and ${folder}; a report holds one measurement of each, so leave one of the two folders out or remove ${inFolder(folder, file)}`,
      );
    seen.set(key, folder);
  };
  for (const r of runs)
    for (const m of r.measurements) claim(`${m.stack}|${m.scenario}`, `${m.stack} ${m.scenario}`, r.folder, measurementFileName(m.stack, m.scenario));
  for (const c of caps)
    for (const s of c.rec.results)
      claim(`${s.stack}|capacity:${c.rec.config.profile}`, `${s.stack} capacity (${c.rec.config.profile} users)`, c.folder, c.file);
}

/** Throws one line when a scenario measured in two run sets was measured with different parameters (another profile). */
export function checkScenarioParams(runs: readonly RunPart[]): void {
  const first = new Map<string, RunPart>();
  for (const r of runs) {
    const measured = new Set(r.measurements.map((m) => m.scenario));
    for (const s of measured) {
      const other = first.get(s);
      if (!other) {
        first.set(s, r);
        continue;
      }
      const a = JSON.stringify(other.run.config.scenarioParams[s] ?? null);
      const b = JSON.stringify(r.run.config.scenarioParams[s] ?? null);
      if (a !== b)
        throw new Error(
          `scenario ${s} was measured with different parameters in ${other.folder} (profile ${other.run.config.profile}) and ${r.folder} (profile ${r.run.config.profile}); its stacks are compared point by point, so measure it with one profile in both sets`,
        );
    }
  }
}

/** Distinct values in first-seen order. */
function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** The worst status of the sets: running (a runner died) over interrupted over complete. */
function worstStatus(statuses: readonly RunRecord["status"][]): RunRecord["status"] {
  return statuses.includes("running") ? "running" : statuses.includes("interrupted") ? "interrupted" : "complete";
}

/** The stacks of every set, first record of each id kept (one commit: the same versions). */
function unionStacks(lists: readonly (readonly RunStackRecord[])[]): RunStackRecord[] {
  const out = new Map<string, RunStackRecord>();
  for (const list of lists) for (const s of list) if (!out.has(s.id)) out.set(s.id, s);
  return [...out.values()];
}

/** The resolved configuration of several run sets together: profiles and verification levels listed, scenarios in given order. */
function mergedConfig(runs: readonly RunPart[]): RunRecord["config"] {
  const cfgs = runs.map((r) => r.run.config);
  const rps = cfgs.map((c) => c.repetitions);
  const same = rps.every((rp) => JSON.stringify(rp) === JSON.stringify(rps[0]));
  const slos = distinct(cfgs.map((c) => c.slo));
  return {
    profile: distinct(cfgs.map((c) => c.profile)).join(", ") || "none",
    reps: cfgs.length ? Math.min(...cfgs.map((c) => c.reps)) : 0,
    stacks: distinct(cfgs.flatMap((c) => c.stacks)),
    scenarios: distinct(cfgs.flatMap((c) => c.scenarios)),
    scenarioParams: Object.assign({}, ...cfgs.map((c) => c.scenarioParams)),
    verifyLevel: distinct(cfgs.map((c) => c.verifyLevel)).join(", ") || "none",
    // Differing policies are listed per set in the sources table; the merged one spans them.
    repetitions:
      same && rps[0]
        ? rps[0]
        : {
            minReps: rps.length ? Math.min(...rps.map((rp) => rp.minReps)) : 0,
            maxReps: Math.max(0, ...rps.map((rp) => rp.maxReps)),
            targetCiHalfWidthRel: Math.max(0, ...rps.map((rp) => rp.targetCiHalfWidthRel)),
            budgetMs: null,
          },
    ...(slos.length === 1 && slos[0] !== undefined ? { slo: slos[0] } : {}),
  };
}

/**
 * The run record of several sets as one run: run ids joined with " + ", the span from the first start to the last
 * end, the shared commit and machine (dirty if any set was), every stack, measurement files relative to the report's
 * folder. Checked sets only (checkSameOrigin).
 */
export function mergedRun(runs: readonly RunPart[], caps: readonly CapacityPart[]): RunRecord {
  const all: readonly Pick<RunRecord, "runId" | "startedAt" | "finishedAt" | "status" | "git" | "machine" | "runtimes" | "pinning" | "stacks">[] = [
    ...runs.map((r) => r.run),
    ...caps.map((c) => c.rec),
  ];
  const first = all[0];
  if (!first) throw new Error("no result set to merge; pass folders written by `wsarena run` or `wsarena capacity`");
  const ends = all.map((r) => r.finishedAt);
  const timings = runs.map((r) => r.run.timing);
  const sum = (f: (t: NonNullable<RunRecord["timing"]>) => number): number => timings.reduce((a, t) => a + (t ? f(t) : 0), 0);
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: all.map((r) => r.runId).join(" + "),
    startedAt: all.map((r) => r.startedAt).sort()[0]!,
    finishedAt: ends.includes(null) ? null : ([...ends].sort().at(-1) ?? null),
    status: worstStatus(all.map((r) => r.status)),
    git: { commit: first.git.commit, dirty: all.some((r) => r.git.dirty) },
    machine: first.machine,
    runtimes: first.runtimes,
    clientPackages: Object.assign({}, ...[...runs].reverse().map((r) => r.run.clientPackages)),
    stacks: unionStacks(all.map((r) => r.stacks)),
    pinning: first.pinning,
    config: mergedConfig(runs),
    measurements: runs.flatMap((r) => r.run.measurements.map((f) => inFolder(r.folder, f))),
    timing:
      timings.length && timings.every((t) => t !== null)
        ? { timingPhaseMs: sum((t) => t.timingPhaseMs), inWindowMs: sum((t) => t.inWindowMs), quietWaitMs: sum((t) => t.quietWaitMs) }
        : null,
  };
}
