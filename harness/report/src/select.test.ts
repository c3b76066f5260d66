import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadReportInput } from "./load.ts";
import { latencyFocus } from "./select.ts";
import { writeSyntheticResultSet } from "./test-support/synthetic.ts";

describe("headline latency point", () => {
  const root = mkdtempSync(join(tmpdir(), "wsarena-select-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("is the highest offered rate that every stack keeps up with (synthetic set: ws saturates near 7k/s)", () => {
    const dir = writeSyntheticResultSet(join(root, "all"), { stacks: ["bun", "uws", "ws"] });
    expect(latencyFocus(loadReportInput(dir))).toEqual({ scenario: "echo-latency", pointKey: "1000/s" });
  });

  it("moves up the ladder when the slowest stack keeps up longer (bun and uws keep up at 50k/s)", () => {
    const dir = writeSyntheticResultSet(join(root, "fast"), { stacks: ["bun", "uws"] });
    expect(latencyFocus(loadReportInput(dir))).toEqual({ scenario: "echo-latency", pointKey: "50000/s" });
  });
});
