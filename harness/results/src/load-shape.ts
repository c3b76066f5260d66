// The load shape of an open-loop point as recorded, and how sets written before it was recorded read.
import { z } from "zod";

/** How an open-loop client writes its schedule (the load generator's LoadShape). */
export const LOAD_SHAPE_IDS = ["one-per-write", "pipelined"] as const;
export const loadShapeSchema = z.enum(LOAD_SHAPE_IDS);
export type LoadShapeId = z.infer<typeof loadShapeSchema>;

/** Scenarios whose points ran the open-loop echo before the shape was recorded: they were all sent pipelined. */
export const PIPELINED_BEFORE_SHAPE: ReadonlySet<string> = new Set(["echo-latency"]);

/**
 * The load shape of a point: its recorded one, else "pipelined" for an open-loop point of an older set (what those
 * measured), else null (a point without an open-loop sender).
 */
export function loadShapeOf(scenario: string, point: { loadShape?: LoadShapeId | undefined }): LoadShapeId | null {
  return point.loadShape ?? (PIPELINED_BEFORE_SHAPE.has(scenario) ? "pipelined" : null);
}

/**
 * The load shape a run chose (`--load-shape`): recorded in run.json's config; a set older than that field reads as the
 * shape its points recorded, else "pipelined" (the only shape runs sent before it could be chosen).
 */
export function runLoadShapeOf(
  config: { loadShape?: LoadShapeId | undefined },
  measurements: readonly { points: readonly { loadShape?: LoadShapeId | undefined }[] }[],
): LoadShapeId {
  const recorded = measurements.flatMap((m) => m.points.flatMap((p) => (p.loadShape ? [p.loadShape] : [])));
  return config.loadShape ?? recorded[0] ?? "pipelined";
}
