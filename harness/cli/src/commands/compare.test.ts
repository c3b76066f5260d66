// The report and compare commands as a user runs them: exit codes, one-line usage errors (SYNTHETIC result sets).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticResultSet } from "@wsarena/report/test-support";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { UsageError } from "../command.ts";
import { command as compare } from "./compare.ts";
import { command as report } from "./report.ts";

const work = mkdtempSync(join(tmpdir(), "wsarena-cli-compare-"));
const base = { uws: 1, bun: 1.6, ws: 0.12 };
let a: string;
let b: string;

beforeAll(() => {
  a = writeSyntheticResultSet(join(work, "a"), { runId: "a", seed: 11, speed: base });
  b = writeSyntheticResultSet(join(work, "b"), { runId: "b", seed: 22, speed: { ...base, uws: 0.8 } });
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(work, { recursive: true, force: true });
});

describe("wsarena compare", () => {
  it("exits 1 with --fail-on-regression when a significant regression exceeds the threshold, 0 without the flag", async () => {
    expect(await compare.run([a, b, "--fail-on-regression", "--threshold", "10%"])).toBe(1);
    expect(await compare.run([a, b])).toBe(0);
  });

  it("exits 0 comparing a set with itself even with --fail-on-regression", async () => {
    expect(await compare.run([a, a, "--fail-on-regression"])).toBe(0);
  });

  it("prints JSON with --json", async () => {
    const log = vi.mocked(console.log);
    log.mockClear();
    await compare.run([a, "--stack-a", "uws", "--stack-b", "bun", "--json"]);
    const out = JSON.parse(String(log.mock.calls[0]![0])) as { points: unknown[]; options: { stackA: string } };
    expect(out.options.stackA).toBe("uws");
    expect(out.points.length).toBeGreaterThan(0);
  });

  it("rejects bad input with a usage error", async () => {
    await expect(compare.run([a])).rejects.toThrow(UsageError);
    await expect(compare.run([a, b, "--threshold", "ten"])).rejects.toThrow(/expected a percentage/);
    await expect(compare.run([a, "--stack-a", "uws"])).rejects.toThrow(/go together/);
    await expect(compare.run([a, "--stack-a", "uws", "--stack-b", "nope"])).rejects.toThrow(/not in result set/);
    await expect(compare.run([join(work, "missing"), b])).rejects.toThrow(/does not exist/);
  });
});

describe("wsarena report", () => {
  it("writes the report into the result set", async () => {
    expect(await report.run([a, "--slo", "p99<10ms", "--vcpu-hour-usd", "0.04"])).toBe(0);
    expect(existsSync(join(a, "report.html"))).toBe(true);
    expect(existsSync(join(a, "charts", "throughput.png"))).toBe(true);
  }, 60_000);

  it("rejects a bad SLO, price or folder with a usage error", async () => {
    await expect(report.run([a, "--slo", "fast"])).rejects.toThrow(UsageError);
    await expect(report.run([a, "--vcpu-hour-usd=-1"])).rejects.toThrow(/positive price/);
    await expect(report.run([])).rejects.toThrow(/expected one or more result set folders/);
  });
});
