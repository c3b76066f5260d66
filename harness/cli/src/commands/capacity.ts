// `wsarena capacity`: can stack X hold N users? A ladder of concurrent users per stack, checked against criteria; writes results/<runId>/capacity.json.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { CAPACITY_FILE, DEFAULT_CRITERIA, capacityLimitText, parseCriteria, type CapacityRecord, type CapacityStackRecord } from "@wsarena/results";
import {
  CAPACITY_PROFILES,
  DEFAULT_CAPACITY_STEPS,
  DEFAULT_STEP_MS,
  DEFAULT_STEP_WARMUP_MS,
  USER_PROFILES,
  makeRunId,
  planSteps,
  runCapacity,
  type CapacityProfile,
} from "@wsarena/runner";
import { REPO_ROOT } from "@wsarena/stacks";
import { fmtNum } from "@wsarena/format";
import { asUsage, parseChoice, parseDurationFlag, parseFlags, parseIntFlag } from "../args.ts";
import { UsageError, type Command } from "../command.ts";
import { capacityReporter, fmtDuration, statusWriter } from "../progress.ts";
import { EXIT_INTERRUPTED, interruptible, pinningFromFlags, stacksFromFlag } from "../setup.ts";
import { renderTable } from "../table.ts";

/** Default user profile. */
export const DEFAULT_CAPACITY_PROFILE: CapacityProfile = "trader";
/** Largest --users and ladder step accepted. */
export const MAX_CAPACITY_USERS = 1_000_000;
/** Shortest and longest --step-ms accepted (a duration: "20s", or a bare number of ms). */
export const MIN_STEP_MS = 500;
export const MAX_STEP_MS = 600_000;

const USAGE =
  `wsarena capacity [--stacks a,b] [--users N] [--profile ${CAPACITY_PROFILES.join("|")}] [--criteria "${DEFAULT_CRITERIA}"] [--steps 5,10,25,...] [--step-ms ${DEFAULT_STEP_MS}] ` +
  "[--server-cpus 0] [--client-cpus 1] [--out DIR] [--json]";

/** Parses --steps "5,10,1k,2k" into user counts (k = thousands). */
export function parseSteps(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((s) => s.trim());
  const out = items.map((s) => {
    const m = /^(\d+)(k?)$/.exec(s);
    const n = m ? Number(m[1]) * (m[2] ? 1000 : 1) : NaN;
    if (!(n >= 1 && n <= MAX_CAPACITY_USERS))
      throw new UsageError(`--steps "${value}": "${s}" is not a user count; expected whole numbers from 1 to ${MAX_CAPACITY_USERS} like 5,10,25,1k`);
    return n;
  });
  return out;
}

/** The machine's limit when the ladder stopped at it (a level beyond it was recorded), else null. */
function reachedLimit(r: CapacityStackRecord): string | null {
  return r.limit && r.steps.some((s) => s.verdict === "limit" && s.error === null) ? capacityLimitText(r.limit) : null;
}

/** Verdict cell for --users: yes, no or unknown with the failed criteria, or the limit that keeps it from being measured. */
function verdictCell(r: CapacityStackRecord, users: number | null): string {
  const why = r.verdictFailures.map((f) => `${f.criterion} (${f.measuredText})`).join(", ");
  if (users === null) return "—";
  if (r.verdict === "yes") return "yes";
  if (r.verdict === "no") return `no: ${why}`;
  if (r.verdict === "limit")
    return reachedLimit(r) ?? `limit: ${[...r.steps].reverse().find((s) => s.users === users)?.error ?? "beyond the machine's limits"}`;
  return `unknown${why ? `: ${why}` : ""}`;
}

/** Verdict table per stack: --users → yes/no with the failed criteria (or the machine's limit), and the largest passing level. */
export function formatVerdicts(rec: CapacityRecord): string {
  const users = rec.config.users;
  const rows = rec.results.map((r) => {
    const limit = reachedLimit(r);
    return [
      r.stack,
      verdictCell(r, users),
      r.largestPassingUsers === null ? "none" : `${r.largestPassingIsLowerBound ? "≥ " : ""}${r.largestPassingUsers}${limit ? " (machine limit)" : ""}`,
      [r.error, limit && r.verdict !== "limit" ? limit : null].filter(Boolean).join("; "),
    ];
  });
  return renderTable(["stack", users === null ? "verdict" : `${users} users?`, "largest passing", "note"], rows);
}

/** Per-step table of one stack. */
export function formatSteps(r: CapacityRecord["results"][number]): string {
  const ms = (us: number | undefined) => (us === undefined ? "—" : fmtNum(us / 1000, 2));
  const rows = r.steps.map((s) => [
    String(s.users),
    s.phase,
    ms(s.latency?.p50Us),
    ms(s.latency?.p99Us),
    String(s.errors),
    s.serverCpuPct === null ? "—" : String(s.serverCpuPct),
    s.serverCoreBusyPct === null ? "—" : String(s.serverCoreBusyPct),
    s.rssBytes === null ? "—" : fmtNum(s.rssBytes / 1024 ** 2, 1),
    String(s.clientCpuPct),
    s.foreignCpuPct === null ? "—" : String(s.foreignCpuPct),
    s.verdict +
      (s.attempts > 1 ? ` (attempt ${s.attempts})` : "") +
      (s.failures.length ? ` (${s.failures.map((f) => f.criterion).join(", ")})` : "") +
      (s.error ? `: ${s.error}` : s.verdict === "limit" && r.limit ? `: ${r.limit.cap} allows ${r.limit.users} users` : ""),
    s.flags.join(", "),
  ]);
  return renderTable(
    ["users", "phase", "p50 ms", "p99 ms", "errors", "server cpu %", "core busy %", "rss MiB", "client cpu %", "other work %", "verdict", "flags"],
    rows,
  );
}

export const command: Command = {
  name: "capacity",
  summary:
    "Can stack X hold N users? A ladder of concurrent users (trader, chat or feed) per stack until a criterion fails, then bisection; verdicts and results/<runId>/capacity.json.",
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      stacks: { type: "string" },
      users: { type: "string" },
      profile: { type: "string" },
      criteria: { type: "string" },
      steps: { type: "string" },
      "step-ms": { type: "string" },
      "server-cpus": { type: "string" },
      "client-cpus": { type: "string" },
      out: { type: "string" },
      json: { type: "boolean" },
    });
    const profile = parseChoice("profile", values.profile, CAPACITY_PROFILES) ?? DEFAULT_CAPACITY_PROFILE;
    const users = parseIntFlag("users", values.users, 1, MAX_CAPACITY_USERS) ?? null;
    const criteria = asUsage(() => parseCriteria(values.criteria ?? DEFAULT_CRITERIA));
    const granularity = USER_PROFILES[profile].granularity;
    if (users !== null && users > granularity && users % granularity !== 0) {
      throw new UsageError(
        `--users ${users}: the ${profile} profile groups users in rooms of ${granularity}; give at most ${granularity} or a multiple of ${granularity}`,
      );
    }
    const steps = asUsage(() => planSteps(parseSteps(values.steps) ?? DEFAULT_CAPACITY_STEPS, users));
    const bad = steps.filter((s) => s > granularity && s % granularity !== 0);
    if (bad.length) throw new UsageError(`--steps: ${bad.join(", ")} are not whole rooms of ${granularity} (${profile} profile)`);
    const stepMs = parseDurationFlag("step-ms", values["step-ms"], MIN_STEP_MS, MAX_STEP_MS) ?? DEFAULT_STEP_MS;
    const stacks = stacksFromFlag(values.stacks, { skipVariants: false });
    const pinning = pinningFromFlags(values);
    const runId = makeRunId();
    const outDir = resolve(process.env.INIT_CWD ?? process.cwd(), values.out ?? join(REPO_ROOT, "results", runId));
    if (existsSync(join(outDir, CAPACITY_FILE)))
      throw new UsageError(`--out ${outDir} already holds a capacity set (${CAPACITY_FILE}); choose an empty folder`);

    const interrupt = interruptible("after the current step");
    const out = statusWriter(process.stderr);
    const log = (s: string) => out.line(s);
    const t0 = Date.now();
    log(
      `capacity ${runId}: ${stacks
        .filter((s) => s.runnable)
        .map((s) => s.id)
        .join(
          ", ",
        )}; profile ${profile}; criteria ${criteria.map((c) => c.text).join(", ")}; steps ${steps.join(", ")}; ${stepMs} ms per step; server cpus ${pinning.serverList}, client cpus ${pinning.clientList}`,
    );
    const shown = (): string => relative(process.env.INIT_CWD ?? process.cwd(), outDir) || ".";
    log(`results: ${shown()}`);
    let rec: CapacityRecord;
    try {
      rec = await runCapacity({
        runId,
        outDir,
        stacks: stacks.filter((s) => s.runnable),
        profile,
        users,
        criteria,
        steps,
        timing: { warmupMs: DEFAULT_STEP_WARMUP_MS, durationMs: stepMs },
        pinning,
        ...capacityReporter(out),
        signal: interrupt.signal,
      });
    } finally {
      out.end();
      interrupt.release();
    }
    if (values.json) {
      const brief = rec.results.map((r) => ({ ...r, steps: r.steps.map(({ window: _w, ...s }) => s) }));
      console.log(JSON.stringify({ runId, dir: outDir, status: rec.status, profile, users, criteria: rec.config.criteria, results: brief }, null, 2));
    } else {
      for (const r of rec.results) console.log(`\n${r.stack} (${profile}: ${rec.config.profileDescription})\n${formatSteps(r)}`);
      console.log(`\n${formatVerdicts(rec)}`);
      console.log(`\n${rec.status} in ${fmtDuration(Date.now() - t0)} — capacity set: ${shown()} (pnpm wsarena report ${shown()} draws it)`);
    }
    if (rec.status !== "complete") {
      setTimeout(() => process.exit(EXIT_INTERRUPTED), 500).unref();
      return EXIT_INTERRUPTED;
    }
    return 0;
  },
};
