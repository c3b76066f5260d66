// The decision table on SYNTHETIC sets with known answers (bun 1.6× uws; latency at the floor or client-loaded) and on
// real fixtures (a quick cpu run, the failure scenarios, a trader capacity ladder stopped client-limited).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { capacitySchema } from "@wsarena/results";
import { describe, expect, it } from "vitest";
import { decisionTable } from "./decision-table.ts";
import { decisionTableModel } from "./decision-render.ts";
import { groupVerdict, pointGroups } from "./findings.ts";
import { loadReportInput, toReportInput } from "./load.ts";
import { REAL_FIXTURE_DIR } from "./test-support/fixture.ts";
import { syntheticResultSet } from "./test-support/synthetic.ts";

const FIXTURES = resolve(REAL_FIXTURE_DIR, "..");
const synthetic = toReportInput({ dir: "/r/syn", ...syntheticResultSet({ noise: 0.15, seed: 5 }) });
const capacity = capacitySchema.parse(JSON.parse(readFileSync(join(FIXTURES, "capacity", "capacity.json"), "utf8")));

describe("decision table", () => {
  it("has one row per stack, a Decided row, and bolds the winner the peak point's verdict names", () => {
    const dt = decisionTable(synthetic);
    expect(dt.stacks).toEqual(["bun", "uws", "ws"]);
    const t = decisionTableModel(dt);
    expect(t.rows.map((r) => r[0]!.text)).toEqual(["bun", "uws", "ws", "Decided"]);
    const peak = dt.columns.find((c) => c.question === "Peak msg/s")!;
    const echo = peak.parts.find((p) => p.label === "echo")!;
    const group = pointGroups(synthetic).find((g) => `echo-throughput ${g[0]!.pointKey}` === echo.where)!;
    expect(groupVerdict(group).winner).toBe("bun");
    expect(echo.figures.bun!.best).toBe(true);
    expect(echo.figures.uws!.best).toBe(false);
    expect(echo.decided).toMatch(/^bun \(×\d\.\d\d, \d\d(?:\.\d)? % CI \d\.\d\d–\d\.\d\d over uws\)$/);
    const decidedRow = t.rows.at(-1)!;
    expect(decidedRow[1]!.text).toContain(`echo: ${echo.decided}`);
  });

  it("lists each undecided part once in the cannot-tell box with the verdict's reason, and no decided part", () => {
    const dt = decisionTable(synthetic);
    const parts = dt.columns.flatMap((c) => c.parts);
    for (const p of parts) {
      const lines = dt.cannotTell.filter((l) => l === p.open);
      expect(lines.length, p.where).toBe(p.open ? 1 : 0);
      if (p.decided) expect(p.open).toBeNull();
    }
    // Latency at the focus point: bun's and uws's figures sit at the floor or are client-loaded (see readme-block.test).
    const lat = dt.columns.find((c) => c.question === "Echo latency")!.parts[0]!;
    expect(lat.decided).toBeNull();
    expect(lat.open).toBe(
      "Echo latency (echo-latency 1000/s, p99): bun's and uws's figures look better than ws's but are not server properties (client-loaded, at-floor).",
    );
  });

  it("says which questions this set cannot answer and the command that measures them", () => {
    const dt = decisionTable(synthetic);
    expect(dt.cannotTell).toContain(
      "Users per core (trader): no capacity set of that profile loaded with this one — run `pnpm wsarena capacity --profile trader`.",
    );
    expect(dt.cannotTell.some((l) => l.startsWith("Deflate cost: not measured in this set (no +deflate variant) — run `pnpm wsarena run --stacks "))).toBe(
      true,
    );
    expect(dt.cannotTell.some((l) => l.startsWith("Failure survival (hostile inputs, connection storm, reconnect, slow consumer, soak): not measured"))).toBe(
      true,
    );
    expect(dt.cannotTell.some((l) => l.startsWith("Memory per connection while receiving ticks: not recorded"))).toBe(true);
    expect(dt.columns.map((c) => c.question)).not.toContain("Trader users / core");
  });

  it("shows users per core for the trader profile and names what stopped each ladder (real capacity fixture)", () => {
    const dt = decisionTable({ ...synthetic, capacity: [capacity] });
    const col = dt.columns.find((c) => c.question === "Trader users / core")!;
    const part = col.parts[0]!;
    // uws passed 3976 users on one server core; the next levels were client-limited: a lower bound, not a server limit.
    expect(part.figures.uws!.text).toBe("≥3.98k (client-limited)");
    // bun passed 2000 and failed every criterion at 5000: a server limit.
    expect(part.figures.bun!.text).toBe("2.00k (p99<50ms +3)");
    expect(part.decided).toBeNull();
    expect(part.open).toContain("uws: above 3.98k users per core, client-limited, not a server limit");
    expect(part.open).not.toContain("bun: above");
    expect(dt.cannotTell).toContain(part.open);
  });

  it("fills CPU µs/msg from the fixed-rate points of a cpu set, naming the load shape (real quick-cpu fixture)", () => {
    const dt = decisionTable(loadReportInput(join(FIXTURES, "quick-cpu")));
    const cpu = dt.columns.find((c) => c.question.startsWith("CPU µs/msg"))!;
    expect(cpu.parts.map((p) => p.label)).toEqual(["echo", "stream", "pubsub"]);
    expect(cpu.parts[0]!.where).toMatch(/^cpu echo-20k\/s, 5 conn, pipelined$/);
    for (const p of cpu.parts) for (const f of Object.values(p.figures)) expect(f.text).toMatch(/^[\d.]+$|^–$/);
    expect(dt.cannotTell.some((l) => l.startsWith("CPU µs per message"))).toBe(false);
  });

  it("answers failure survival from the storm and reconnect points (real failure fixture)", () => {
    const dt = decisionTable(loadReportInput(join(FIXTURES, "failure")));
    const col = dt.columns.find((c) => c.question === "Failure survival")!;
    expect(col.parts.map((p) => p.label)).toEqual(["storm p99", "recovery p99"]);
    expect(Object.keys(col.parts[1]!.figures).sort()).toEqual(["uws", "ws"]);
    expect(col.missing.map((l) => l.split(":")[0])).toEqual(["Hostile inputs", "Slow consumer bounded per policy", "Soak trend"]);
  });
});
