// End-to-end tests of `wsarena run`: flag validation, and cleanup when a real run against the ws stack is interrupted.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendantPids } from "@wsarena/host";
import { loadResultSet } from "@wsarena/results";
import { afterAll, describe, expect, it } from "vitest";
import { cliProcess, runCli } from "../test-support.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("wsarena run flag validation", () => {
  it("rejects an unknown stack in one line that lists the valid ones, exit 2", async () => {
    const r = await runCli(["run", "--stacks", "nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(/^wsarena run: unknown stack "nope"; valid stacks: .*ws/);
  });
  it("rejects an unknown --load-shape naming the two shapes", async () => {
    const r = await runCli(["run", "--load-shape", "bursty"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe('wsarena run: --load-shape "bursty" is not valid; choose one of: one-per-write, pipelined');
  });
  it("rejects an unknown scenario listing the valid ones", async () => {
    const r = await runCli(["run", "--scenarios", "echo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown scenario "echo"; valid scenarios: echo-throughput, echo-latency, stream-json/);
  });
  it("rejects a bad profile, bad reps, a missing cpu and an unknown flag", async () => {
    expect((await runCli(["run", "--profile", "fast"])).stderr).toMatch(/--profile "fast" is not valid; choose one of: quick, standard, full/);
    expect((await runCli(["run", "--reps", "0"])).stderr).toMatch(/--reps 0: expected a whole number from 1 to 50/);
    expect((await runCli(["run", "--client-cpus", "64"])).stderr).toMatch(/--client-cpus: cpu 64 does not exist/);
    expect((await runCli(["run", "--fast"])).stderr).toMatch(/unknown flag --fast; valid flags: --stacks, --scenarios/);
  });
  it("rejects an --slo outside the criteria grammar in one line naming the flag, exit 2", async () => {
    const r = await runCli(["run", "--slo", "p99<5 parsecs"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toMatch(/^wsarena run: --slo "p99<5 parsecs": criterion "p99<5 parsecs"/);
    expect((await runCli(["run", "--slo", ""])).stderr).toMatch(/--slo is empty; expected e.g. "p99<5ms"/);
  });
  it("an invalid option writes nothing: no result folder is created", async () => {
    const base = mkdtempSync(join(tmpdir(), "wsarena-invalid-"));
    dirs.push(base);
    const out = join(base, "set");
    const r = await runCli(["run", "--stacks", "nope", "--out", out]);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
  it("an unwritable output folder is an error line naming the folder and --out (then the usage line), exit 2", async () => {
    const base = mkdtempSync(join(tmpdir(), "wsarena-unwritable-"));
    dirs.push(base);
    writeFileSync(join(base, "file"), "");
    const out = join(base, "file", "set");
    const r = await runCli(["run", "--stacks", "ws", "--scenarios", "echo-throughput", "--profile", "quick", "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")[1]).toMatch(/^usage: wsarena run/);
    expect(r.stderr).toMatch(/^wsarena run: cannot write the result set to .*file\/set \(ENOTDIR.*choose a folder you can write to with --out/);
  });
});

/** Runs the CLI against the real ws stack, sends `signal` once `when` matches its stderr, and checks the cleanup. */
async function interruptRun(signal: NodeJS.Signals, when: RegExp, delayMs: number, scenarios = "echo-throughput,connections") {
  const out = mkdtempSync(join(tmpdir(), "wsarena-interrupt-"));
  dirs.push(out);
  rmSync(out, { recursive: true });
  const child = cliProcess(["run", "--stacks", "ws", "--scenarios", scenarios, "--profile", "quick", "--reps", "3", "--out", out]);
  const seen = new Map<number, string | undefined>();
  const poll = setInterval(() => {
    for (const p of descendantPids(child.pid!)) if (!seen.has(p)) seen.set(p, startTicks(p) ?? undefined);
  }, 50);
  let stderr = "";
  let sent = false;
  let signalledAt = 0;
  child.stdout.resume();
  child.stderr.on("data", (d) => {
    stderr += d;
    if (!sent && when.test(stderr)) {
      sent = true;
      setTimeout(() => {
        signalledAt = Date.now();
        child.kill(signal);
      }, delayMs);
    }
  });
  const code = await new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
  clearInterval(poll);
  return { code, stderr, out, seen, sent, signalledAt };
}

/** Start time (clock ticks since boot) of a process, so a reused pid is not mistaken for the process seen earlier. */
function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const now = startTicks(pid);
  const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] : undefined;
  return now !== null && now === started && state !== "Z";
}

/** The seen processes still running, after giving killed ones up to `graceMs` to finish exiting. */
async function survivors(seen: Map<number, string | undefined>, graceMs = 3_000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = [...seen].filter(([pid, started]) => alive(pid, started)).map(([pid]) => pid);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe("wsarena run interrupted", () => {
  it("on SIGINT mid-run leaves no server or load worker behind and a valid result set marked interrupted", async () => {
    const r = await interruptRun("SIGINT", /echo-throughput 64B-text ws rep 1:/, 300);
    expect(r.sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.seen.size).toBeGreaterThan(0); // the server and workers were seen running
    expect(await survivors(r.seen)).toEqual([]);
    const set = loadResultSet(r.out);
    expect(set.run.status).toBe("interrupted");
    const echo = set.measurements.find((m) => m.scenario === "echo-throughput")!;
    expect(echo.points[0]!.reps.length).toBeGreaterThanOrEqual(1);
    expect(echo.partial).toBe(true);
    const conns = set.measurements.find((m) => m.scenario === "connections")!;
    expect(conns.status).toBe("skipped");
  }, 90_000);

  it("on SIGTERM during a measured window also cleans up and keeps finished repetitions", async () => {
    const r = await interruptRun("SIGTERM", /echo-throughput 64B-text ws rep 1:/, 1_500);
    expect(r.code, r.stderr).toBe(130);
    expect(await survivors(r.seen)).toEqual([]);
    const set = loadResultSet(r.out);
    expect(set.run.status).toBe("interrupted");
    for (const m of set.measurements) for (const p of m.points) for (const rep of p.reps) expect(rep.durationMs).toBeGreaterThan(0);
  }, 90_000);

  it("on SIGTERM during an http publish window, autocannon, the subscribers, probes and server are gone within 5 s and the set is marked partial", async () => {
    // The publish point follows the health point: by then a point is kept, and both http client workers are running.
    const r = await interruptRun("SIGTERM", /http health-10c ws rep 1:/, 1_200, "http");
    expect(r.sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.seen.size).toBeGreaterThan(0);
    // issue 8: every child ends within 5 s of the signal.
    expect(await survivors(r.seen, Math.max(0, r.signalledAt + 5_000 - Date.now()))).toEqual([]);
    const set = loadResultSet(r.out);
    expect(set.run.status).toBe("interrupted");
    const http = set.measurements.find((m) => m.scenario === "http")!;
    expect(http.partial).toBe(true);
    expect(http.points.find((p) => p.key === "health-10c")!.reps).toHaveLength(1);
  }, 90_000);
});
