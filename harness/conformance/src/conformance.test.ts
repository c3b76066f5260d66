// Runs the conformance suite against every stack found under servers/ (WSARENA_STACKS=a,b to select, WSARENA_CONFORMANCE_LEVEL=smoke for the subset).
import { afterAll, beforeAll, describe, it } from "vitest";
import { discoverStacks, killAllServers } from "@wsarena/stacks";
import { CHECKS, CHECK_IDS, runConformance, type CheckResult, type ConformanceLevel, type ConformanceReport } from "./index.ts";
import { deferred, type Deferred } from "./util.ts";

const level: ConformanceLevel = process.env.WSARENA_CONFORMANCE_LEVEL === "smoke" ? "smoke" : "full";
const wanted = process.env.WSARENA_STACKS?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const stacks = discoverStacks().filter((s) => !wanted || wanted.includes(s.id));
const checks = CHECKS.filter((c) => level === "full" || c.smoke);

afterAll(() => {
  killAllServers();
});

if (stacks.length === 0) {
  it("finds at least one stack under servers/*/stack.json", () => {
    throw new Error(`no stack found${wanted ? ` among WSARENA_STACKS=${wanted.join(",")}` : ""}: nothing was verified`);
  });
}

for (const stack of stacks) {
  const protocol = stack.manifest.protocol;
  if (stack.manifest.tags?.includes("broken")) {
    describe.skip(`${stack.id}: skipped, ${stack.reason}`, () => {
      it(`conforms to protocol v1 [${stack.id}]`, () => {});
    });
    continue;
  }
  if (!stack.runnable) {
    describe(`${stack.id} (${protocol})`, () => {
      it(`can run here [${stack.id}]`, () => {
        throw new Error(`${stack.id} cannot run here: ${stack.reason}. Fix the install, or tag the stack "broken" with a tagReason in its stack.json.`);
      });
    });
    continue;
  }

  describe(`${stack.id} (${protocol}, ${level})`, () => {
    const pending = new Map<string, Deferred<CheckResult>>(checks.map((c) => [c.id, deferred<CheckResult>()]));
    let run: Promise<ConformanceReport | null> = Promise.resolve(null);

    beforeAll(() => {
      // Not awaited: each test awaits its own check, so results show as they arrive.
      run = runConformance(stack, { level, onCheck: (r) => pending.get(r.id)?.resolve(r) }).then(
        (report) => {
          for (const d of pending.values()) d.reject(new Error("the run ended without a result for this check"));
          return report;
        },
        (e: Error) => {
          for (const d of pending.values()) d.reject(new Error(`the conformance run of ${stack.id} crashed: ${e.message}`));
          return null;
        },
      );
    });

    afterAll(async () => {
      const report = await run;
      if (report)
        console.log(
          `${stack.id}: ${report.counts.pass} pass, ${report.counts.fail} fail, ${report.counts.warn} warn, ${report.counts.skip} skip in ${(report.durationMs / 1000).toFixed(1)} s`,
        );
    });

    it(`lists only existing check ids under deviations [${stack.id}]`, () => {
      const unknown = (stack.manifest.deviations ?? []).map((d) => d.check).filter((id) => !CHECK_IDS.includes(id));
      if (unknown.length)
        throw new Error(`${stack.id}: stack.json lists deviations for unknown check ids ${unknown.join(", ")}; valid ids are in harness/conformance/README.md`);
    });

    for (const c of checks) {
      const na = c.run[protocol] ? null : (c.notApplicable?.[protocol] ?? "no implementation");
      const name = `${c.title} [${stack.id} ${c.id}]${na ? ` (not applicable to ${protocol}: ${na})` : ""}`;
      it.skipIf(na !== null)(name, async () => {
        const r = await pending.get(c.id)!.promise;
        if (r.status === "warn") console.warn(`WARN ${stack.id} ${c.id}: ${r.message}`);
        if (r.status === "fail") throw new Error(`${stack.id} ${c.id}: ${r.message}`);
      });
    }
  });
}
