// The scenario modules, in run order, and lookup by id.
import { connections } from "./connections.ts";
import { echoLatency } from "./echo-latency.ts";
import { echoThroughput } from "./echo-throughput.ts";
import { pubsub } from "./pubsub.ts";
import { streamBinary } from "./stream-binary.ts";
import { streamJson } from "./stream-json.ts";
import type { Scenario } from "./types.ts";

export * from "./types.ts";

/** Every scenario, in the order a run measures them. */
export const SCENARIOS: readonly Scenario[] = [echoThroughput, echoLatency, streamJson, streamBinary, pubsub, connections];

/** Selects scenarios by id (all when ids is empty); unknown ids throw an error listing the valid ones. */
export function selectScenarios(ids: readonly string[] | undefined): Scenario[] {
  if (!ids || ids.length === 0) return [...SCENARIOS];
  const valid = SCENARIOS.map((s) => s.id);
  const unknown = ids.filter((id) => !valid.includes(id));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.map((u) => `"${u}"`).join(", ")}; valid scenarios: ${valid.join(", ")}`);
  return ids.map((id) => SCENARIOS.find((s) => s.id === id)!);
}
