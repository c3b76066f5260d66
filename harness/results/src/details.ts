// Typed `details` of the scenarios whose repetitions store more than a load result: one zod schema per scenario in
// details/<scenario>.ts, and detailsOf, the one way to read a repetition's details (parsed, so old sets degrade to null).
import type { z } from "zod";
import { burstDetailsSchema } from "./details/burst.ts";
import { capacityStepDetailsSchema } from "./details/capacity.ts";
import { connectionsDetailsSchema } from "./details/connections.ts";
import { hostileDetailsSchema } from "./details/hostile.ts";
import { httpDetailsSchema } from "./details/http.ts";
import { clusterDetailsSchema } from "./details/pubsub-cluster.ts";
import { reconnectDetailsSchema } from "./details/reconnect.ts";
import { slowConsumerDetailsSchema } from "./details/slow-consumer.ts";
import { soakDetailsSchema } from "./details/soak.ts";
import type { ScenarioId } from "./scenarios.ts";

export * from "./details/burst.ts";
export * from "./details/capacity.ts";
export * from "./details/connections.ts";
export * from "./details/hostile.ts";
export * from "./details/http.ts";
export * from "./details/pubsub-cluster.ts";
export * from "./details/reconnect.ts";
export * from "./details/slow-consumer.ts";
export * from "./details/soak.ts";

/** The details schema of every scenario that stores details, by scenario id ("capacity": a capacity step's window). */
export const DETAILS_SCHEMAS = {
  connections: connectionsDetailsSchema,
  http: httpDetailsSchema,
  hostile: hostileDetailsSchema,
  "slow-consumer": slowConsumerDetailsSchema,
  soak: soakDetailsSchema,
  burst: burstDetailsSchema,
  reconnect: reconnectDetailsSchema,
  "pubsub-cluster": clusterDetailsSchema,
  capacity: capacityStepDetailsSchema,
} as const satisfies Partial<Record<ScenarioId | "capacity", z.ZodType>>;

/** A scenario id whose repetitions store details. */
export type DetailsScenario = keyof typeof DETAILS_SCHEMAS;

/** The details type of scenario `S`. */
export type ScenarioDetails<S extends DetailsScenario> = z.infer<(typeof DETAILS_SCHEMAS)[S]>;

/** Details of any scenario: what a scenario's own run may return beside its load result. */
export type AnyScenarioDetails = ScenarioDetails<DetailsScenario>;

/** A parse of unknown details into one scenario's type, null when they are absent or not of its shape. */
type DetailsParser<T> = (details: unknown) => T | null;

/** Parses with `schema`, remembering the answer per details object (reports read the same repetition many times). */
function cachedParser<T>(schema: z.ZodType<T>): DetailsParser<T> {
  const seen = new WeakMap<object, T | null>();
  return (details) => {
    if (typeof details !== "object" || details === null) return null;
    const hit = seen.get(details);
    if (hit !== undefined) return hit;
    const parsed = schema.safeParse(details);
    const value = parsed.success ? parsed.data : null;
    seen.set(details, value);
    return value;
  };
}

const PARSERS: { [S in DetailsScenario]: DetailsParser<ScenarioDetails<S>> } = {
  connections: cachedParser(connectionsDetailsSchema),
  http: cachedParser(httpDetailsSchema),
  hostile: cachedParser(hostileDetailsSchema),
  "slow-consumer": cachedParser(slowConsumerDetailsSchema),
  soak: cachedParser(soakDetailsSchema),
  burst: cachedParser(burstDetailsSchema),
  reconnect: cachedParser(reconnectDetailsSchema),
  "pubsub-cluster": cachedParser(clusterDetailsSchema),
  capacity: cachedParser(capacityStepDetailsSchema),
};

/**
 * The details of a repetition of `scenario`, typed by its schema; null when the repetition has none or they do not
 * match it (a repetition of another scenario, or a result set older than a required field).
 */
export function detailsOf<S extends DetailsScenario>(scenario: S, rep: { details?: unknown } | undefined): ScenarioDetails<S> | null {
  return PARSERS[scenario](rep?.details);
}
