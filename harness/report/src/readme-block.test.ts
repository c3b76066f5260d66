import { describe, expect, it } from "vitest";
import { loadReportInput, toReportInput } from "./load.ts";
import { README_END, README_START, readmeBlock, replaceBlock } from "./readme-block.ts";
import { REAL_FIXTURE_DIR } from "./test-support/fixture.ts";
import { syntheticResultSet } from "./test-support/synthetic.ts";

describe("README results block", () => {
  const readme = `# title\n\nintro\n\n${README_START}\nold table\n${README_END}\n\n## after\nkept\n`;

  it("rewrites only the text between the markers", () => {
    const out = replaceBlock(readme, "| new | table |");
    expect(out).toBe(`# title\n\nintro\n\n${README_START}\n| new | table |\n${README_END}\n\n## after\nkept\n`);
    expect(replaceBlock(out, "| new | table |")).toBe(out);
  });

  it("refuses a README without both markers in order, saying what to add", () => {
    expect(() => replaceBlock("# no markers\n", "x")).toThrow(/add them where the results table should go/);
    expect(() => replaceBlock(`${README_END}\n${README_START}\n`, "x")).toThrow();
  });

  it("links charts relative to the README's folder", () => {
    const input = loadReportInput(REAL_FIXTURE_DIR);
    const block = readmeBlock(input, [{ name: "throughput", title: "Throughput" }], `${REAL_FIXTURE_DIR}/../../../../README.md`);
    expect(block).toContain("(harness/report/fixtures/real/charts/throughput.png)");
    expect(block).toContain("Rerun: `pnpm wsarena rerun harness/report/fixtures/real` (the same configuration into a new set");
    expect(block).toMatch(/\| Stack \| Peak msg\/s/);
    for (const s of input.stacks) expect(block).toContain(`| ${s} |`);
  });

  /** The cells of a stack's row (or the Decided row) of the block's decision table, by header. */
  const rowOf = (block: string, stack: string): Record<string, string> => {
    const rows = block.split("\n").filter((l) => l.startsWith("| "));
    const split = (l: string): string[] => l.slice(2, -2).split(" | ");
    const headers = split(rows[0]!).map((h) => h.replace(/ \(.*$/, ""));
    const cells = split(rows.find((r) => r.startsWith(`| ${stack} |`))!);
    return Object.fromEntries(headers.map((h, i) => [h, cells[i]!]));
  };

  it("shows the decision table: a winner per figure only where the data decides, open elsewhere; ⚠ only where a figure is not a server property", () => {
    // SYNTHETIC: 15 % rep-to-rep noise (every throughput figure high-variance), bun 1.6× uws, ws client-bound at 64B.
    const input = toReportInput({ dir: "/r/results/syn", ...syntheticResultSet({ noise: 0.15, seed: 5 }) });
    expect(input.points.filter((p) => p.scenario === "echo-throughput" && p.flags.includes("high-variance")).length).toBeGreaterThan(2);
    const block = readmeBlock(input, [], "/r/README.md");
    // Peak msg/s: bun wins the echo point despite high variance, bold, with no ⚠.
    expect(rowOf(block, "bun")["Peak msg/s"]).toMatch(/^\*\*\[[\d.]+M\]\(results\/syn\/bun--echo-throughput\.json\)\*\*/);
    expect(rowOf(block, "Decided")["Peak msg/s"]).toMatch(/^echo: bun \(×1\.\d\d, 9\d(?:\.\d)? % CI 1\.\d\d–\d\.\d\d over uws\)/);
    expect(rowOf(block, "uws")["Peak msg/s"]).toMatch(/^\[[\d.]+[kM]\]\([^)]+\)/);
    // Latency: bun's and uws's figures sit at the floor or are client-loaded, so they carry ⚠ and the column is open.
    expect(rowOf(block, "bun")["Echo latency"]).toMatch(/^⚠ /);
    expect(rowOf(block, "Decided")["Echo latency"]).toMatch(/^p\d+ @ [^:]+: open$/);
    // Memory per connection: bun and uws are indistinguishable.
    expect(rowOf(block, "Decided")["Memory / conn"]).toMatch(/: open$/);
    expect(block).toContain("⚠: not a server property");
    expect(block).toContain("Sources: Peak msg/s: echo = echo-throughput ");
  });

  it("judges memory per connection on its own repetitions, not on the connect-rate flags of its point (real fixture)", () => {
    const loaded = loadReportInput(REAL_FIXTURE_DIR);
    const conn = (p: { stack: string; scenario: string }): boolean => p.stack === "uws" && p.scenario === "connections";
    // The fixture's point stored client-bound from 1 of its 2 repetitions: by the majority rule the point does not carry it.
    expect(loaded.points.find(conn)!.flags).not.toContain("client-bound");
    // Give the point the flag on its connect rate, as a majority would: memory per connection must still be judged alone.
    const input = { ...loaded, points: loaded.points.map((p) => (conn(p) ? { ...p, flags: ["client-bound" as const] } : p)) };
    const block = readmeBlock(input, [], `${REAL_FIXTURE_DIR}/../../../../README.md`);
    expect(rowOf(block, "uws")["Memory / conn"]).toMatch(/^\*\*\[[\d.]+ KiB\]\([^)]*\/uws--connections\.json\)\*\*$/);
    expect(rowOf(block, "Decided")["Memory / conn"]).toMatch(/^idle[^:]*: uws \(×\d+\.\d+, 9\d(?:\.\d)? % CI [\d.]+–[\d.]+ over ws\)$/);
  });
});
