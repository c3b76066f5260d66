// Per-point server environment: runMatrix relaunches the server before a point whose serverEnv differs (real ws server).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discoverStacks, liveServerCount } from "@wsarena/stacks";
import { runMatrix, sameServerEnv } from "./matrix.ts";
import { fixedRepetitions } from "./repetitions.ts";
import { baseLoad, emptyLoadResult } from "./scenarios/common.ts";
import type { Scenario, ScenarioPoint } from "./scenarios/types.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("sameServerEnv", () => {
  it("treats absent and empty as the defaults, and compares keys and values", () => {
    expect(sameServerEnv(undefined, {})).toBe(true);
    expect(sameServerEnv({ A: "1" }, { A: "1" })).toBe(true);
    expect(sameServerEnv({ A: "1" }, { A: "2" })).toBe(false);
    expect(sameServerEnv({ A: "1" }, undefined)).toBe(false);
    expect(sameServerEnv({ A: "1" }, { B: "1" })).toBe(false);
    expect(sameServerEnv({ A: "1", B: "2" }, { B: "2", A: "1" })).toBe(true);
  });
});

describe("runMatrix with per-point serverEnv", () => {
  it("keeps the server while serverEnv stays the same and starts one with the new environment when it changes", async () => {
    const ws = discoverStacks().find((s) => s.id === "ws")!;
    const out = mkdtempSync(join(tmpdir(), "wsarena-serverenv-"));
    dirs.push(out);
    const seen: Array<{ key: string; pid: number; policy: string | undefined }> = [];
    const pt = (key: string, serverEnv?: Record<string, string>): ScenarioPoint => ({
      key,
      params: {},
      kind: "latency",
      load: baseLoad("quick", { mode: "stream" }),
      ...(serverEnv ? { serverEnv } : {}),
    });
    const scenario: Scenario = {
      id: "env-probe",
      description: "records the server pid and its WSARENA_BACKPRESSURE per point",
      metric: () => ({ name: "msgsPerSec", unit: "msg/s", better: "higher" }),
      value: (_p, r) => r.msgsPerSec,
      plan: () => ({
        params: {},
        points: [pt("a", { WSARENA_BACKPRESSURE: "drop" }), pt("b", { WSARENA_BACKPRESSURE: "drop" }), pt("c", { WSARENA_BACKPRESSURE: "close" }), pt("d")],
      }),
      postcondition: () => [],
      async run(p, ctx) {
        const environ = readFileSync(`/proc/${ctx.server.pid}/environ`, "utf8").split("\0");
        const policy = environ.find((e) => e.startsWith("WSARENA_BACKPRESSURE="))?.split("=")[1];
        seen.push({ key: p.key, pid: ctx.server.pid, policy });
        const now = Date.now();
        return emptyLoadResult(p.load, now - 10, now);
      },
    };
    await runMatrix({
      runId: "test-env",
      outDir: out,
      stacks: [ws],
      scenarios: [scenario],
      profile: "quick",
      repetitions: fixedRepetitions(1),
      pinning: null,
      runLoad: async () => Promise.reject(new Error("unused")),
    });
    expect(liveServerCount()).toBe(0);
    expect(seen.map((s) => s.key)).toEqual(["a", "b", "c", "d"]);
    expect(seen.map((s) => s.policy)).toEqual(["drop", "drop", "close", process.env.WSARENA_BACKPRESSURE]);
    expect(seen[1]!.pid).toBe(seen[0]!.pid);
    expect(new Set([seen[1]!.pid, seen[2]!.pid, seen[3]!.pid]).size).toBe(3);
  }, 60_000);
});
