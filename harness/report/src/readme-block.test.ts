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
    const block = readmeBlock(input, [{ name: "throughput", title: "Throughput" }], `${REAL_FIXTURE_DIR}/../../../../README.md`, 0.05);
    expect(block).toContain("(harness/report/fixtures/real/charts/throughput.png)");
    expect(block).toContain("Rerun: `pnpm wsarena rerun harness/report/fixtures/real` (the same configuration into a new set");
    // Every figure links to the measurement file it was read from.
    expect(block).toMatch(/\| uws \| [^|]*\]\(harness\/report\/fixtures\/real\/uws--echo-throughput\.json\)/);
    expect(block).toMatch(/\[[\d.]+ KiB\]\(harness\/report\/fixtures\/real\/ws--connections\.json\)/);
    expect(block).toMatch(/\| Stack \| Peak throughput/);
    for (const s of input.stacks) expect(block).toContain(`| ${s} |`);
  });

  it("names a winner per column only where the data decides, and says why elsewhere; ⚠ only where a figure is not a server property", () => {
    // SYNTHETIC: 15 % rep-to-rep noise (every throughput figure high-variance), bun 1.6× uws, ws client-bound at 64B.
    const input = toReportInput({ dir: "/r/results/syn", ...syntheticResultSet({ noise: 0.15, seed: 5 }) });
    expect(input.points.filter((p) => p.scenario === "echo-throughput" && p.flags.includes("high-variance")).length).toBeGreaterThan(2);
    const block = readmeBlock(input, [], "/r/README.md", 0.05);
    const rows = block.split("\n").filter((l) => l.startsWith("| "));
    const cells = (stack: string): string[] => rows.find((r) => r.startsWith(`| ${stack} |`))!.split(" | ");
    // Peak throughput: bun wins despite high variance, bold, with a caveat mark and no ⚠.
    expect(rows[0]).toContain("Peak throughput (echo-throughput 64B)");
    expect(cells("bun")[1]).toMatch(/^\*\*\[[\d.]+M msg\/s\]\(results\/syn\/bun--echo-throughput\.json\) †\*\*$/);
    expect(cells("Decided")[1]).toMatch(/^bun \(×1\.\d\d, 9\d(?:\.\d)? % CI 1\.\d\d–\d\.\d\d over uws\)$/);
    // Latency at 1000/s: bun's and uws's p99 sit at the floor, so they carry ⚠ and the column has no winner.
    expect(cells("bun")[2]).toMatch(/^⚠ /);
    expect(cells("Decided")[2]).toBe("no decision: bun's and uws's figures look better than ws's but are not server properties (client-loaded, at-floor)");
    // Memory per connection: bun and uws are indistinguishable.
    expect(cells("Decided")[3]).toMatch(/^no decision: tie at the top: \{(bun|uws) ≈ (bun|uws)\}/);
    // ⚠ appears only on figures with an unranking flag; high-variance alone never gets one.
    expect(cells("uws")[1]).toMatch(/^\[[\d.]+[kM] msg\/s\]\([^)]+\) †$/);
    expect(block).toContain("⚠ the figure is not a server property");
    expect(block).toContain("† a caveat (high-variance");
  });

  it("judges memory per connection on its own repetitions, not on the connect-rate flags of its point (real fixture)", () => {
    const loaded = loadReportInput(REAL_FIXTURE_DIR);
    const conn = (p: { stack: string; scenario: string }): boolean => p.stack === "uws" && p.scenario === "connections";
    // The fixture's point stored client-bound from 1 of its 2 repetitions: by the majority rule the point does not carry it.
    expect(loaded.points.find(conn)!.flags).not.toContain("client-bound");
    // Give the point the flag on its connect rate, as a majority would: memory per connection must still be judged alone.
    const input = { ...loaded, points: loaded.points.map((p) => (conn(p) ? { ...p, flags: ["client-bound" as const] } : p)) };
    const block = readmeBlock(input, [], `${REAL_FIXTURE_DIR}/../../../../README.md`, 0.05);
    const row = (s: string): string[] =>
      block
        .split("\n")
        .find((l) => l.startsWith(`| ${s} |`))!
        .split(" | ");
    expect(row("uws")[3]).toMatch(/^\*\*\[[\d.]+ KiB\]\([^)]*\/uws--connections\.json\)\*\*$/);
    expect(row("Decided")[3]).toMatch(/^uws \(×\d+\.\d+, 9\d(?:\.\d)? % CI [\d.]+–[\d.]+ over ws\)$/);
  });
});
