// The scenario modules, in run order, and lookup by id.
import { burst } from "./burst.ts";
import { connections } from "./connections.ts";
import { cpu } from "./cpu.ts";
import { echoLatency } from "./echo-latency.ts";
import { echoThroughput } from "./echo-throughput.ts";
import { http } from "./http.ts";
import { hostile } from "./hostile.ts";
import { pubsub } from "./pubsub.ts";
import { slowConsumer } from "./slow-consumer.ts";
import { soak } from "./soak.ts";
import { reconnect } from "./reconnect.ts";
import { pubsubCluster } from "./pubsub-cluster.ts";
import { streamBinary } from "./stream-binary.ts";
import { streamJson } from "./stream-json.ts";
import { groupOfId, SCENARIO_GROUPS, type ScenarioGroup } from "@wsarena/results";
import type { Scenario } from "./types.ts";

export * from "./types.ts";

/** Every scenario, in the order a run measures them. */
export const SCENARIOS: readonly Scenario[] = [
  echoThroughput,
  echoLatency,
  streamJson,
  streamBinary,
  pubsub,
  cpu,
  connections,
  http,
  hostile,
  slowConsumer,
  soak,
  burst,
  reconnect,
  pubsubCluster,
];

/** The group of a scenario (SCENARIO_GROUP in @wsarena/results, the one source). */

export function groupOf(s: Scenario): ScenarioGroup {
  return groupOfId(s.id);
}

/**
 * Selects scenarios by id or group name ("core", "scale", "failure", "all"); the core group when ids is empty. Unknown
 * names throw an error listing the valid ones.
 */
export function selectScenarios(ids: readonly string[] | undefined): Scenario[] {
  const names = !ids || ids.length === 0 ? ["core"] : ids;
  const valid = SCENARIOS.map((s) => s.id);
  const unknown = names.filter((id) => !valid.includes(id) && id !== "all" && !(SCENARIO_GROUPS as readonly string[]).includes(id));
  if (unknown.length)
    throw new Error(
      `unknown scenario ${unknown.map((u) => `"${u}"`).join(", ")}; valid scenarios: ${valid.join(", ")}; groups: ${SCENARIO_GROUPS.join(", ")}, all`,
    );
  const picked = new Set<Scenario>();
  for (const n of names) for (const s of SCENARIOS) if (n === s.id || n === "all" || n === groupOf(s)) picked.add(s);
  return SCENARIOS.filter((s) => picked.has(s));
}
