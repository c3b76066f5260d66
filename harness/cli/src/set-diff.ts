// What differs between two result sets besides their figures: commit, runtimes, package versions, machine and the
// configuration, one line each (`wsarena rerun` prints them under its comparison).
import { fmtBytes } from "@wsarena/format";
import type { MachineRecord, RunRecord, RunStackRecord } from "@wsarena/results";
import { recordedRepetitions } from "@wsarena/runner";
import { describeRepetitions } from "./execute-run.ts";

/** What a difference is about. */
export type DifferenceKind = "commit" | "runtime" | "packages" | "machine" | "configuration";

/** One difference between two sets: side A's value → side B's, in words. */
export interface SetDifference {
  kind: DifferenceKind;
  text: string;
}

/** Every field of the machine record, with its label and how a value reads. */
const MACHINE_FIELDS: Readonly<Record<keyof MachineRecord, { label: string; show: (m: MachineRecord) => string }>> = {
  hostname: { label: "host name", show: (m) => m.hostname },
  cpuModel: { label: "cpu model", show: (m) => m.cpuModel },
  cores: { label: "cores", show: (m) => String(m.cores) },
  memoryBytes: { label: "memory", show: (m) => fmtBytes(m.memoryBytes) },
  kernel: { label: "kernel", show: (m) => m.kernel },
  platform: { label: "platform", show: (m) => m.platform },
  governor: { label: "cpu governor", show: (m) => m.governor ?? "not readable" },
};

const RUNTIMES = ["node", "bun", "deno"] as const;

const orNone = (v: string | null | undefined, none: string): string => v ?? none;

/** The commit of a set for display: short hash, marked when the checkout had uncommitted changes. */
function commitText(g: RunRecord["git"]): string {
  return g.commit ? `${g.commit.slice(0, 10)}${g.dirty ? " with uncommitted changes" : ""}` : "no git commit";
}

function commitDifferences(a: RunRecord, b: RunRecord): string[] {
  if (a.git.commit !== b.git.commit || a.git.dirty !== b.git.dirty) return [`commit: ${commitText(a.git)} → ${commitText(b.git)}`];
  // The same commit with uncommitted changes on both sides says nothing about whether those changes were the same.
  return a.git.dirty ? [`commit: ${commitText(a.git)} on both sides; the uncommitted changes may differ`] : [];
}

function machineDifferences(a: MachineRecord, b: MachineRecord): string[] {
  return (Object.keys(MACHINE_FIELDS) as (keyof MachineRecord)[]).flatMap((k) => {
    if (a[k] === b[k]) return [];
    const { label, show } = MACHINE_FIELDS[k];
    const [x, y] = [show(a), show(b)];
    return [`${label}: ${x === y ? String(a[k]) : x} → ${x === y ? String(b[k]) : y}`];
  });
}

/** "prefix: name a → b" for every name whose value differs (`missing` stands for a name one side lacks). */
export function versionDifferences(prefix: string, a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>, missing = "absent"): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((n) => a[n] !== b[n]).map((n) => `${prefix}: ${n} ${orNone(a[n], missing)} → ${orNone(b[n], missing)}`);
}

/** Package differences per stack folder (a variant shares its base stack's packages, so it is reported once). */
function stackDifferences(a: RunRecord, b: RunRecord): string[] {
  const byFolder = (stacks: readonly RunStackRecord[]) => new Map(stacks.map((s) => [s.variant?.base ?? s.id, s]));
  const sa = byFolder(a.stacks);
  const sb = byFolder(b.stacks);
  const lines: string[] = [];
  for (const id of [...new Set([...sa.keys(), ...sb.keys()])].sort()) {
    const x = sa.get(id);
    const y = sb.get(id);
    if (!x || !y) {
      lines.push(`stack ${id}: only in ${x ? a.runId : b.runId}`);
      continue;
    }
    const packages = versionDifferences(`stack ${id}`, x.packages, y.packages);
    lines.push(...packages);
    // The version of a runtime stack (bun, deno) is not one of its packages.
    if (x.version !== y.version && packages.length === 0) lines.push(`stack ${id}: version ${orNone(x.version, "unknown")} → ${orNone(y.version, "unknown")}`);
  }
  return lines;
}

function runtimeDifferences(a: RunRecord, b: RunRecord): string[] {
  return RUNTIMES.filter((r) => a.runtimes[r] !== b.runtimes[r]).map(
    (r) => `${r}: ${orNone(a.runtimes[r], "not used")} → ${orNone(b.runtimes[r], "not used")}`,
  );
}

/** The configuration fields `wsarena run` sets, as they read for display. */
function configFields(r: RunRecord): [string, string][] {
  const c = r.config;
  return [
    ["profile", c.profile],
    ["stacks", c.stacks.join(",")],
    ["scenarios", c.scenarios.join(",")],
    ["repetitions", describeRepetitions(recordedRepetitions(c.repetitions))],
    ["SLO", orNone(c.slo, "not recorded")],
    ["open-loop load shape", orNone(c.loadShape, "not recorded")],
    ["server cpus", orNone(r.pinning.serverCpus, "not pinned")],
    ["client cpus", orNone(r.pinning.clientCpus, "not pinned")],
    ["verification", c.verifyLevel],
  ];
}

/** Configuration differences, then the parameters and points of every scenario both sets ran. */
function configDifferences(a: RunRecord, b: RunRecord): string[] {
  const fb = new Map(configFields(b));
  const lines = configFields(a).flatMap(([k, x]) => (fb.get(k) === x ? [] : [`${k}: ${x} → ${fb.get(k)}`]));
  for (const id of a.config.scenarios.filter((s) => b.config.scenarios.includes(s))) {
    const pa = a.config.scenarioParams[id];
    const pb = b.config.scenarioParams[id];
    if (!pa || !pb) continue;
    const params = (p: typeof pa) => Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, String(v)]));
    lines.push(...versionDifferences(`scenario ${id}`, params(pa), params(pb), "unset"));
    const keys = (p: typeof pa) => p.points.map((pt) => String(pt.key)).join(",");
    if (keys(pa) !== keys(pb)) lines.push(`scenario ${id}: points ${keys(pa)} → ${keys(pb)}`);
  }
  return lines;
}

/** Every difference between run A and run B outside the figures, grouped commit, runtimes, packages, machine, configuration. */
export function setDifferences(a: RunRecord, b: RunRecord): SetDifference[] {
  const of = (kind: DifferenceKind, lines: string[]): SetDifference[] => lines.map((text) => ({ kind, text }));
  return [
    ...of("commit", commitDifferences(a, b)),
    ...of("runtime", runtimeDifferences(a, b)),
    ...of("packages", [...stackDifferences(a, b), ...versionDifferences("load generator", a.clientPackages, b.clientPackages)]),
    ...of("machine", machineDifferences(a.machine, b.machine)),
    ...of("configuration", configDifferences(a, b)),
  ];
}

/** The differences as text: a heading naming both runs and one line each, or one line saying there is none. */
export function formatDifferences(diffs: readonly SetDifference[], a: RunRecord, b: RunRecord): string {
  if (diffs.length === 0) return `No difference between ${a.runId} and ${b.runId} in commit, runtime versions, package versions, machine or configuration.`;
  return [`Differences between ${a.runId} and ${b.runId} (commit, runtimes, packages, machine, configuration):`, ...diffs.map((d) => `- ${d.text}`)].join("\n");
}
