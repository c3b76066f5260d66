import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadResultSet } from "./io.ts";
import { loadShapeOf, runLoadShapeOf } from "./load-shape.ts";
import { pointSchema } from "./schema.ts";

/** The committed reference set: written before the load shape was recorded (its echo-latency points were sent pipelined). */
const REFERENCE = join(import.meta.dirname, "..", "..", "report", "fixtures", "reference-20261202");

describe("loadShapeOf", () => {
  it("reads open-loop points of a set older than the field as pipelined, other points as having no shape", () => {
    const set = loadResultSet(REFERENCE);
    const latency = set.measurements.filter((m) => m.scenario === "echo-latency" && m.points.length > 0);
    expect(latency.length).toBeGreaterThan(0);
    for (const m of latency)
      for (const p of m.points) {
        expect(p.loadShape).toBeUndefined();
        expect(loadShapeOf(m.scenario, p)).toBe("pipelined");
      }
    const throughput = set.measurements.find((m) => m.scenario === "echo-throughput" && m.points.length > 0)!;
    expect(loadShapeOf(throughput.scenario, throughput.points[0]!)).toBeNull();
  });

  it("returns the recorded shape, and the schema refuses an unknown one", () => {
    expect(loadShapeOf("echo-latency", { loadShape: "one-per-write" })).toBe("one-per-write");
    expect(loadShapeOf("some-future-scenario", { loadShape: "pipelined" })).toBe("pipelined");
    const point = { key: "50k/s", params: {}, reps: [], summary: null, flags: [], stop: "fixed" as const };
    expect(pointSchema.parse({ ...point, loadShape: "one-per-write" }).loadShape).toBe("one-per-write");
    expect(pointSchema.safeParse({ ...point, loadShape: "bursty" }).success).toBe(false);
  });
});

describe("runLoadShapeOf", () => {
  it("reads the recorded config, else the points' shape, else pipelined for a set older than both", () => {
    const m = (...shapes: ("pipelined" | "one-per-write" | undefined)[]) => [{ points: shapes.map((loadShape) => (loadShape ? { loadShape } : {})) }];
    expect(runLoadShapeOf({ loadShape: "one-per-write" }, m("pipelined"))).toBe("one-per-write");
    expect(runLoadShapeOf({}, m(undefined, "one-per-write"))).toBe("one-per-write");
    expect(runLoadShapeOf({}, m(undefined))).toBe("pipelined");
    const reference = loadResultSet(REFERENCE);
    expect(reference.run.config.loadShape).toBeUndefined();
    expect(runLoadShapeOf(reference.run.config, reference.measurements)).toBe("pipelined");
  });
});
