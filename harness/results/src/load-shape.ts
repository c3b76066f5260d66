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
