import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks } from "@wsarena/stacks";
import { FD_RESERVE, readMachineLimits } from "@wsarena/host";
import { parseCriteria, CAPACITY_FILE, capacitySchema } from "@wsarena/results";
import type { ProgressMark } from "../progress.ts";
import type { CapacityLimitsReader } from "./limits.ts";
import { runCapacity } from "./run.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const uws = discoverStacks().find((s) => s.id === "uws")!;

/** A short real ladder (unpinned: CI machines may have one core; verdicts on a real run are pinned). */
async function shortRun(criteria: string, steps: number[], users: number | null, readLimits?: CapacityLimitsReader) {
  const outDir = mkdtempSync(join(tmpdir(), "wsarena-capacity-"));
  dirs.push(outDir);
  const lines: string[] = [];
  const marks: ProgressMark[] = [];
  const statuses: string[] = [];
  const rec = await runCapacity({
    runId: "test",
    outDir,
    stacks: [uws],
    profile: "trader",
    users,
    criteria: parseCriteria(criteria),
    steps,
    timing: { warmupMs: 200, durationMs: 2_100 },
    pinning: null,
    onProgress: (l, p) => {
      lines.push(l);
      marks.push(p);
    },
    onStatus: (s) => statuses.push(s),
    ...(readLimits ? { readLimits } : {}),
  });
  return { rec, lines, marks, statuses, file: capacitySchema.parse(JSON.parse(readFileSync(join(outDir, CAPACITY_FILE), "utf8"))) };
}

describe("runCapacity against a real uws server on 127.0.0.1", () => {
  it("measures every ladder step with ticks and order echoes, writes a valid capacity.json and says yes when every criterion holds", async () => {
    const { rec, lines, file } = await shortRun("errors=0,rss<64GiB", [2, 4], 4);
    const r = rec.results[0]!;
    expect(r.error).toBeNull();
    expect(r.steps.map((s) => [s.users, s.phase, s.connections, s.verdict])).toEqual([
      [2, "ladder", 4, "pass"],
      [4, "ladder", 8, "pass"],
    ]);
    for (const s of r.steps) {
      expect(s.latencyByKind.ticks!.count).toBeGreaterThan(0);
      expect(s.latencyByKind.orders!.count).toBeGreaterThan(0);
      expect(s.latency!.count).toBe(s.latencyByKind.ticks!.count + s.latencyByKind.orders!.count);
      expect(s.rssBytes).toBeGreaterThan(0);
      expect(s.window!.statsDelta!.messagesOut).toBeGreaterThan(0);
    }
    expect(r.verdict).toBe("yes");
    expect(r.largestPassingUsers).toBe(4);
    expect(r.largestPassingIsLowerBound).toBe(true);
    expect(file.status).toBe("complete");
    expect(file.results[0]!.steps).toHaveLength(2);
    expect(lines.filter((l) => /step \d+ \(ladder\) \d+ users .* → PASS/.test(l))).toHaveLength(2);
  }, 60_000);

  it("gives every progress line [steps done/steps planned], the elapsed time and the time left, re-planned when the ladder stops early", async () => {
    // rss<1KiB fails every step: the ladder stops at 2 users, bisects 1, and the planned 3 steps shrink to 2.
    const { lines, marks, statuses } = await shortRun("rss<1KiB", [2, 4, 8], null);
    const stepMarks = marks.filter((_m, i) => / step \d+ /.test(lines[i]!));
    expect(stepMarks.map((m) => [m.done, m.total])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(marks[0]).toMatchObject({ done: 0, total: 3 });
    expect(marks.at(-1)).toMatchObject({ done: 2, total: 2, etaMs: 0 });
    for (const [i, m] of marks.entries()) {
      expect(m.etaMs).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(m.elapsedMs).toBeGreaterThanOrEqual(marks[i - 1]!.elapsedMs);
    }
    expect(statuses).toEqual(["capacity uws: step 1 (ladder) 2 users", "capacity uws: step 2 (bisect) 1 users"]);
  }, 60_000);

  it("stops at the first failing step, bisects, still measures --users, and says no with the failed criterion and its value", async () => {
    const { rec } = await shortRun("rss<1KiB", [2, 4, 8], 8);
    const r = rec.results[0]!;
    expect(r.steps[0]!.verdict).toBe("fail");
    expect(r.steps.map((s) => s.phase)).toEqual(["ladder", "bisect", "target"]);
    expect(r.steps.map((s) => s.users)).toEqual([2, 1, 8]);
    expect(r.verdict).toBe("no");
    expect(r.verdictFailures[0]!.criterion).toBe("rss<1KiB");
    expect(r.verdictFailures[0]!.measured).toBeGreaterThan(1024);
    expect(r.largestPassingUsers).toBeNull();
  }, 60_000);

  it("stops at the machine's limit: measures the most users it allows, records the next level as the limit, never as an error", async () => {
    // The server may hold 30 connections (its open-file limit less FD_RESERVE): 15 trader users of 2 connections.
    const pids: Array<number | undefined> = [];
    const readLimits: CapacityLimitsReader = (pid) => {
      pids.push(pid);
      return { ...readMachineLimits(pid), serverOpenFiles: { soft: FD_RESERVE + 30, hard: FD_RESERVE + 30 } };
    };
    const { rec, lines, file } = await shortRun("errors=0,rss<64GiB", [4, 20], 20, readLimits);
    const r = rec.results[0]!;
    expect(pids).toHaveLength(1);
    expect(pids[0]).toBeGreaterThan(0);
    expect(r.error).toBeNull();
    expect(r.limit).toMatchObject({ cap: "file-descriptors", value: FD_RESERVE + 30, connections: 30, users: 15 });
    expect(r.steps.map((s) => [s.users, s.phase, s.connections, s.verdict])).toEqual([
      [4, "ladder", 8, "pass"],
      [15, "ladder", 30, "pass"],
      [20, "ladder", 40, "limit"],
    ]);
    expect(r.steps[2]!.window).toBeNull();
    expect(r.steps[1]!.window!.connect.succeeded).toBe(30);
    expect(r.verdict).toBe("limit");
    expect(r.largestPassingUsers).toBe(15);
    expect(r.largestPassingIsLowerBound).toBe(true);
    expect(file.results[0]!.limit).toEqual(r.limit);
    expect(
      lines.some((l) =>
        /step 3 \(ladder\) 20 users \(40 conns\): LIMIT, not measured: limit: file-descriptors \(the server's open-file limit .* allows 30 connections; 15 users\)/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(/largest passing level ≥ 15 users \(limit: file-descriptors .*\); 20 users: limit/);
  }, 60_000);
});
