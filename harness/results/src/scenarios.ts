// Scenario metadata that result readers need without the runner: every scenario id, in run order, and its group.

/**
 * Scenario groups. A run without --scenarios measures `core` only (the quick comparison stays a few minutes and needs no
 * broker); `--scenarios scale` / `failure` / `all` or explicit ids select the others.
 */
export const SCENARIO_GROUPS = ["core", "scale", "failure"] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

/** Every scenario id with its group, in the order a run measures them (the runner's scenario modules are keyed by these ids). */
export const SCENARIO_GROUP = {
  "echo-throughput": "core",
  "echo-latency": "core",
  "stream-json": "core",
  "stream-binary": "core",
  pubsub: "core",
  cpu: "core",
  connections: "core",
  http: "scale",
  hostile: "failure",
  "slow-consumer": "failure",
  soak: "failure",
  burst: "failure",
  reconnect: "failure",
  "pubsub-cluster": "scale",
} as const satisfies Record<string, ScenarioGroup>;

/** A scenario id. */
export type ScenarioId = keyof typeof SCENARIO_GROUP;

/** Every scenario id, in run order. */
export const SCENARIO_IDS = Object.keys(SCENARIO_GROUP) as ScenarioId[];

/** The group of a scenario id; an id this build does not know (an old result set's) counts as "core". */
export function groupOfId(id: string): ScenarioGroup {
  return (SCENARIO_GROUP as Record<string, ScenarioGroup>)[id] ?? "core";
}
