// `wsarena rerun` as a user runs it: a real quick set of the uws stack rerun with its recorded configuration, and the
// one-line errors for a folder that is not a set, a capacity set, a stack no longer discovered and a used --out.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_FILE, loadResultSet } from "@wsarena/results";
import { REPO_ROOT } from "@wsarena/stacks";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../test-support.ts";

const work = mkdtempSync(join(tmpdir(), "wsarena-rerun-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const REFERENCE = join(REPO_ROOT, "harness", "report", "fixtures", "reference-20261202");
const CAPACITY_FIXTURE = join(REPO_ROOT, "harness", "report", "fixtures", "capacity");

/** A copy of the reference set's run.json alone (a valid set without measurement files), with `change` applied. */
function referenceRunCopy(name: string, change: (run: { config: { stacks: string[] } }) => void = () => {}): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const run = JSON.parse(readFileSync(join(REFERENCE, RUN_FILE), "utf8"));
  change(run);
  writeFileSync(join(dir, RUN_FILE), JSON.stringify(run));
  return dir;
}

const firstLine = (s: string) => s.split("\n")[0];

describe("wsarena rerun refuses what it cannot rerun, in one line naming the fix", () => {
  it("a folder that does not exist, and a folder without run.json", async () => {
    const missing = await runCli(["rerun", join(work, "nope")]);
    expect(missing.code).toBe(2);
    expect(firstLine(missing.stderr)).toMatch(/^wsarena rerun: .*nope does not exist; pass a result set folder written by `wsarena run`/);
    const empty = join(work, "empty");
    mkdirSync(empty);
    const r = await runCli(["rerun", empty]);
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toMatch(/empty is not a result set \(it has no run\.json\); pass a folder written by `wsarena run`/);
  });

  it("a capacity set, giving the capacity line that repeats its recorded ladder", async () => {
    const r = await runCli(["rerun", CAPACITY_FIXTURE]);
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toMatch(
      /is a capacity set \(capacity\.json\), which rerun does not repeat; run its recorded ladder again with `pnpm wsarena capacity --stacks \S+ --profile \w+ .*--criteria "[^"]+" --steps [\d,]+ --step-ms \d+/,
    );
  });

  it("a set whose stack or variant this checkout no longer has, naming it and the stacks still here", async () => {
    const dir = referenceRunCopy("gone", (run) => {
      run.config.stacks = ["uws", "retired-stack", "ws+no-such-variant"];
    });
    const r = await runCli(["rerun", dir]);
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toMatch(
      /gone ran "retired-stack", "ws\+no-such-variant", which this checkout no longer has .*check out the set's commit to rerun it \(it was run at commit f926a41e54\), or time the rest with `pnpm wsarena run --stacks uws`$/,
    );
  });

  it("an --out folder that already holds a result set, before anything runs", async () => {
    const dir = referenceRunCopy("source");
    const used = referenceRunCopy("used");
    const r = await runCli(["rerun", dir, "--out", used]);
    expect(r.code).toBe(2);
    expect(firstLine(r.stderr)).toMatch(/^wsarena rerun: --out .*used already holds a result set \(run\.json\); choose an empty folder$/);
  });
});

describe("wsarena rerun of a real set", () => {
  it("runs the recorded configuration again into a new set, prints the comparison and the differences", async () => {
    const original = join(work, "original");
    const made = await runCli([
      "run",
      ...["--stacks", "uws", "--scenarios", "echo-throughput", "--profile", "quick", "--reps", "1"],
      ...["--slo", "p99<8ms", "--load-shape", "one-per-write", "--server-cpus", "0", "--client-cpus", "1", "--out", original],
    ]);
    expect(made.code, made.stderr).toBe(0);
    // A copy elsewhere: the rerun reads the set from the folder it is given, not from where it was written.
    const copy = join(work, "copy");
    cpSync(original, copy, { recursive: true });
    const rerunDir = join(work, "rerun");
    const r = await runCli(["rerun", copy, "--out", rerunDir]);
    expect(r.code, r.stderr).toBe(0);
    const a = loadResultSet(copy).run;
    const b = loadResultSet(rerunDir).run;
    expect(b.runId).not.toBe(a.runId);
    expect(b.status).toBe("complete");
    const { verifyLevel: _va, ...configA } = a.config;
    const { verifyLevel: _vb, ...configB } = b.config;
    expect(configB).toEqual(configA);
    expect(configB).toMatchObject({ profile: "quick", stacks: ["uws"], scenarios: ["echo-throughput"], slo: "p99<8ms", loadShape: "one-per-write" });
    expect(configB.repetitions).toEqual({ minReps: 1, maxReps: 1, targetCiHalfWidthRel: 0, budgetMs: null });
    expect(b.config.verifyLevel).toBe(a.config.verifyLevel);
    expect(b.pinning).toEqual(a.pinning);
    expect(b.stacks.map((s) => s.id)).toEqual(["uws"]);
    expect(r.stdout).toContain(`Comparison with the original (A = ${a.runId}, B = this rerun ${b.runId}):`);
    expect(r.stdout).toMatch(/echo-throughput\s+64B-text\s+uws\s+msgsPerSec/);
    expect(r.stdout).toMatch(/1 matched points: 0 regressions, 0 improvements beyond noise/);
    // The same checkout, runtimes and machine a moment later: nothing differs (but uncommitted changes may have).
    const differences = r.stdout.slice(r.stdout.lastIndexOf("\n\n") + 2).trim();
    if (a.git.dirty)
      expect(differences).toMatch(/^Differences between .*\n- commit: \w+ with uncommitted changes on both sides; the uncommitted changes may differ$/);
    else expect(differences).toBe(`No difference between ${a.runId} and ${b.runId} in commit, runtime versions, package versions, machine or configuration.`);
  }, 240_000);
});
