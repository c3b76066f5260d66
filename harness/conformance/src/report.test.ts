// Report logic without servers: deviations become warnings, failures fail, inapplicable checks skip, timeouts fail.
import { describe, expect, it } from "vitest";
import type { DiscoveredStack } from "@wsarena/stacks";
import type { StackManifest } from "@wsarena/protocol/manifest";
import { applyDeviation, formatReport, runConformance, type Check } from "./index.ts";

function fakeStack(over: Partial<StackManifest> = {}, runnable = true): DiscoveredStack {
  const manifest: StackManifest = {
    id: "fake",
    displayName: "Fake",
    runtime: "node",
    start: ["node", "x.js"],
    versionOf: "ws",
    protocol: "ws",
    approach: "idiomatic",
    notes: "",
    ...over,
  };
  return {
    id: "fake",
    dir: "/nonexistent",
    manifest,
    version: "1.0.0",
    argv: ["node", "x.js"],
    runnable,
    ...(runnable ? {} : { reason: 'command "x" not found' }),
  };
}

// "dedicated" placement and no ctx.launch call: no server is started.
function fake(id: string, body: () => Promise<string | void>, extra: Partial<Check> = {}): Check {
  return { id, title: `fake ${id}`, description: "", placement: "dedicated", timeoutMs: 1_000, run: { ws: body }, ...extra };
}

const passing = fake("t.pass", async () => "fine");
const failing = fake("t.fail", async () => {
  throw new Error("got 1006, expected 1009");
});
const deviating = fake("t.deviating", async () => {
  throw new Error("got 1006, expected 1002");
});
const staleDeviation = fake("t.stale", async () => {});
const sioOnly = fake("t.sio-only", async () => {}, { run: { "socket.io": async () => {} }, notApplicable: { ws: "socket.io rooms only" } });
const slow = fake("t.slow", () => new Promise((r) => setTimeout(r, 5_000)), { timeoutMs: 50 });
const smokeOnly = fake("t.smoke", async () => {}, { smoke: true });
const table = [passing, failing, deviating, staleDeviation, sioOnly, slow, smokeOnly];

describe("runConformance report logic", () => {
  const stack = fakeStack({
    deviations: [
      { check: "t.deviating", reason: "library X drops the socket" },
      { check: "t.stale", reason: "used to fail" },
      { check: "no.such-check", reason: "typo" },
    ],
  });

  it("marks a failing check fail, a listed deviation warn, an inapplicable check skip and a timeout fail", async () => {
    const seen: string[] = [];
    const r = await runConformance(stack, { level: "full", checks: table, onCheck: (c) => seen.push(c.id) });
    const by = Object.fromEntries(r.results.map((x) => [x.id, x]));
    expect(r.results.map((x) => x.id)).toEqual(table.map((c) => c.id));
    expect(by["t.pass"]).toMatchObject({ status: "pass", message: "fine" });
    expect(by["t.fail"]).toMatchObject({ status: "fail", message: "got 1006, expected 1009" });
    expect(by["t.deviating"]!.status).toBe("warn");
    expect(by["t.deviating"]!.deviation).toBe("library X drops the socket");
    expect(by["t.deviating"]!.message).toContain("library X drops the socket");
    expect(by["t.deviating"]!.message).toContain("got 1006, expected 1002");
    expect(by["t.stale"]!.status).toBe("pass");
    expect(by["t.stale"]!.message).toContain("remove the deviation");
    expect(by["t.sio-only"]).toMatchObject({ status: "skip", durationMs: 0 });
    expect(by["t.sio-only"]!.message).toContain("socket.io rooms only");
    expect(by["t.slow"]!.status).toBe("fail");
    expect(by["t.slow"]!.message).toContain("did not finish within 50 ms");
    expect(r.counts).toEqual({ pass: 3, fail: 2, warn: 1, skip: 1 });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.stringContaining('"no.such-check"')]);
    expect(seen.sort()).toEqual(table.map((c) => c.id).sort());
  });

  it("is ok when the only failures are listed deviations", async () => {
    const r = await runConformance(stack, { level: "full", checks: [passing, deviating] });
    expect(r.ok).toBe(true);
    expect(r.counts.warn).toBe(1);
  });

  it("runs only smoke checks at level smoke", async () => {
    const r = await runConformance(stack, { level: "smoke", checks: table });
    expect(r.results.map((x) => x.id)).toEqual(["t.smoke"]);
  });

  it("fails every applicable check of a stack that cannot run, with the reason", async () => {
    const r = await runConformance(fakeStack({}, false), { level: "full", checks: [passing, sioOnly] });
    expect(r.results[0]).toMatchObject({ status: "fail" });
    expect(r.results[0]!.message).toContain('command "x" not found');
    expect(r.results[1]!.status).toBe("skip");
  });

  it("formats failures, warnings and skips with their ids and messages", async () => {
    const r = await runConformance(stack, { level: "full", checks: table });
    const text = formatReport(r);
    expect(text).toMatch(/^FAIL fake 1\.0\.0|^FAIL fake \(ws/);
    expect(text).toContain("FAIL t.fail");
    expect(text).toContain("WARN t.deviating");
    expect(text).toContain("SKIP t.sio-only");
    expect(text).toContain("PROBLEM");
    expect(text).not.toContain("PASS t.pass");
    expect(formatReport(r, { verbose: true })).toContain("PASS t.pass");
  });
});

describe("applyDeviation", () => {
  it("turns a failure into a warning carrying the reason and leaves results without deviation alone", () => {
    expect(applyDeviation("fail", "boom", "lib limit")).toEqual({ status: "warn", message: "deviation: lib limit — observed: boom" });
    expect(applyDeviation("fail", "boom", undefined)).toEqual({ status: "fail", message: "boom" });
    expect(applyDeviation("pass", "", undefined)).toEqual({ status: "pass", message: "" });
  });
});
