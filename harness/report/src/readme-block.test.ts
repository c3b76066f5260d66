import { describe, expect, it } from "vitest";
import { loadReportInput } from "./load.ts";
import { README_END, README_START, readmeBlock, replaceBlock } from "./readme-block.ts";
import { REAL_FIXTURE_DIR } from "./test-support/fixture.ts";

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
    expect(block).toMatch(/\| Stack \| Peak throughput/);
    for (const s of input.stacks) expect(block).toContain(`| ${s} |`);
  });
});
