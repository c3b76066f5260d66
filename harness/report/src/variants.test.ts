// Variants beside their base on a SYNTHETIC set: uws+deflate made from uws at half the throughput with counted wire bytes.
import { describe, expect, it } from "vitest";
import type { MeasurementRecord } from "@wsarena/results";
import { toReportInput } from "./load.ts";
import { renderMarkdown } from "./render-md.ts";
import { syntheticResultSet } from "./test-support/synthetic.ts";
import { variantsTable } from "./variants.ts";

function withVariant(): ReturnType<typeof syntheticResultSet> {
  const set = syntheticResultSet();
  const variant = { id: "deflate", base: "uws", env: { WSARENA_COMPRESSION: "1" }, load: { deflate: true }, description: "permessage-deflate on" };
  const base = set.run.stacks.find((s) => s.id === "uws")!;
  set.run.stacks.push({ ...base, id: "uws+deflate", variant });
  const copies: MeasurementRecord[] = set.measurements
    .filter((m) => m.stack === "uws" && m.scenario === "echo-throughput")
    .map((m) => ({
      ...m,
      stack: "uws+deflate",
      variant,
      points: m.points.map((p) => ({
        ...p,
        reps: p.reps.map((r) => ({ ...r, msgsPerSec: r.msgsPerSec / 2, wire: { receivedBytesPerSec: (r.msgsPerSec / 2) * 30, sentBytesPerSec: 0 } })),
        summary: p.summary && { ...p.summary, mean: p.summary.mean / 2, median: p.summary.median / 2 },
      })),
    }));
  set.measurements.push(...copies);
  // A variant the stack cannot run: recorded skipped with its reason.
  set.run.stacks.push({ ...base, id: "deno+deflate", variant: { ...variant, base: "deno" } });
  set.measurements.push({ ...copies[0]!, stack: "deno+deflate", status: "skipped", reason: "deno cannot run variant deflate", points: [] });
  return set;
}

describe("variants against their base", () => {
  const input = toReportInput({ dir: "/synthetic", ...withVariant() });
  const t = variantsTable(input)!;
  const col = (name: string) => t.headers.indexOf(name);

  it("puts each point of a variant beside the base stack's, with the ratio and its 95 % interval", () => {
    const rows = t.rows.filter((r) => r[0]!.text === "uws+deflate");
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r[col("Variant / base")]!.text).toMatch(/^×0\.(49|50|51), 95 % CI 0\.\d+–0\.\d+$/);
    expect(rows[0]![col("Wire bytes per msg (server → client)")]!.text).toMatch(/^– → 30\.0 B$/);
  });

  it("lists a variant the stack cannot run as skipped with the reason, not silently", () => {
    const deno = t.rows.find((r) => r[0]!.text === "deno+deflate")!;
    expect(deno[col("Variant value")]!.text).toBe("skipped: deno cannot run variant deflate");
    expect(deno[col("Variant value")]!.warn).toEqual(["skipped"]);
  });

  it("is part of the Markdown report only when the set has a variant", () => {
    const md = (i: typeof input) =>
      renderMarkdown(i, { vcpuHourUsd: 0.05, priceSource: "test", charts: [], scenarioCharts: {}, findings: [], methodNotes: [] });
    expect(md(input)).toContain("## Variants against their base stack");
    expect(md(toReportInput({ dir: "/synthetic", ...syntheticResultSet() }))).not.toContain("Variants against their base stack");
    expect(variantsTable(toReportInput({ dir: "/synthetic", ...syntheticResultSet() }))).toBeNull();
  });
});
