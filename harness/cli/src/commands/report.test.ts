// `wsarena report` with several result sets as a user runs it: where the report goes, a folder of parts, a shell glob,
// --out, and the one-line errors (SYNTHETIC run sets, parts of one run).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticResultSet } from "@wsarena/report/test-support";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { UsageError } from "../command.ts";
import { command as report } from "./report.ts";

const work = mkdtempSync(join(tmpdir(), "wsarena-cli-report-"));
const ref = join(work, "reference");
const core = join(ref, "core");
const conn = join(ref, "conn");

beforeAll(() => {
  writeSyntheticResultSet(core, { runId: "run-core", scenarios: ["echo-throughput", "echo-latency"] });
  writeSyntheticResultSet(conn, { runId: "run-conn", seed: 2, scenarios: ["connections"], stacks: ["uws", "ws"] });
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(work, { recursive: true, force: true });
});

/** Everything the command printed since the last clear. */
function printed(): string {
  return vi
    .mocked(console.log)
    .mock.calls.map((c) => String(c[0]))
    .join("\n");
}

describe("wsarena report with several result sets", () => {
  it("writes one report of a folder of parts into that folder, linking each part", async () => {
    expect(await report.run([ref])).toBe(0);
    expect(printed()).toContain("from 2 result sets (conn, core)");
    const md = readFileSync(join(ref, "report.md"), "utf8");
    expect(md).toContain("# wsarena results: run-conn + run-core");
    expect(md).toContain("| [core](core/run.json) | run-core |");
    expect(existsSync(join(ref, "charts", "throughput.png"))).toBe(true);
    expect(existsSync(join(core, "report.md"))).toBe(false);
  }, 120_000);

  it("takes a shell glob over that folder (its report files and charts/ skipped) and writes into the common parent", async () => {
    vi.mocked(console.log).mockClear();
    const glob = readdirSync(ref).map((n) => join(ref, n));
    expect(glob).toContain(join(ref, "report.md"));
    expect(await report.run(glob)).toBe(0);
    expect(printed()).toMatch(/^skipped \(no result set\): .*charts.*report\.html.*report\.md/m);
    expect(printed()).toContain("from 2 result sets (conn, core)");
  }, 120_000);

  it("writes to --out with links back to the sets", async () => {
    const out = join(work, "out");
    expect(await report.run([core, conn, "--out", out])).toBe(0);
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("| [../reference/core](../reference/core/run.json) | run-core |");
  }, 120_000);

  it("stops with one line when two sets measured the same stack and scenario, naming both", async () => {
    const dup = join(work, "dup");
    writeSyntheticResultSet(join(dup, "a"), { runId: "a", scenarios: ["connections"], stacks: ["ws"] });
    writeSyntheticResultSet(join(dup, "b"), { runId: "b", scenarios: ["connections"], stacks: ["ws"] });
    await expect(report.run([dup])).rejects.toThrow(/^ws connections is measured in both a and b; .* remove b\/ws--connections\.json$/);
  });

  it("rejects missing folders and folders without a set as usage errors", async () => {
    await expect(report.run([])).rejects.toThrow(UsageError);
    await expect(report.run([join(work, "missing")])).rejects.toThrow(/does not exist/);
    const empty = join(work, "empty");
    mkdirSync(empty);
    await expect(report.run([empty])).rejects.toThrow(/no result set \(no run\.json or capacity\.json in it or its subfolders\)/);
    await expect(report.run([core, "--out"])).rejects.toThrow(/--out needs a value/);
  });
});
