// Runs the check table against one stack: plan the checks, start the shared server, run each check under its timeout
// (phases: exclusive, shared, destructive, dedicated), apply the manifest's deviations and summarise.
import { ramp } from "@wsarena/driver-kit";
import { launchServer, type DiscoveredStack, type LaunchedServer } from "@wsarena/stacks";
import { CHECKS, CHECK_IDS } from "./checks/index.ts";
import type { Check, CheckContext, CheckResult, CheckStatus, ConformanceOptions, ConformanceReport, Protocol } from "./types.ts";

/** Default number of checks running at once on one stack (2-core machines; most checks wait on I/O). */
export const DEFAULT_CONCURRENCY = 6;
/** Grace given to servers launched by checks when they are stopped. */
const DEDICATED_STOP_GRACE_MS = 1_000;

class CheckTimeout extends Error {}

/** How a server process ended. */
type ExitInfo = { code: number | null; signal: string | null };

/** Outcome of running one check, before deviations are applied. */
interface Outcome {
  status: "pass" | "fail";
  message: string;
  durationMs: number;
}

/** Which checks run for a stack, and what is wrong with the inputs. */
interface CheckPlan {
  protocol: Protocol;
  /** Checks of the level (and `only`), in table order: the report lists exactly these. */
  selected: Check[];
  /** Selected checks with an implementation for the protocol. */
  runnable: Check[];
  /** Skip results for the selected checks without one. */
  notApplicable: CheckResult[];
  /** Manifest deviations: check id → reason. */
  deviations: Map<string, string>;
  /** Deviations or `only` entries that name no check. */
  problems: string[];
}

/** The stack's shared server, or why checks that need a server fail without running. */
interface SharedServer {
  server: LaunchedServer | null;
  /** Set when the stack cannot run here or the shared server did not start. */
  launchError: string | null;
  /** How the shared server exited, once it has. */
  exit: ExitInfo | null;
}

/** Applies a manifest deviation: a failure becomes warn, a pass notes that the deviation is stale. */
export function applyDeviation(status: "pass" | "fail", message: string, deviation: string | undefined): { status: CheckStatus; message: string } {
  if (deviation === undefined) return { status, message };
  if (status === "fail") return { status: "warn", message: `deviation: ${deviation} — observed: ${message}` };
  return {
    status: "pass",
    message: `passes although stack.json lists it as a deviation ("${deviation}"): remove the deviation${message ? ` — ${message}` : ""}`,
  };
}

/** Selects the checks of the level, splits off those not applicable to the stack's protocol and validates ids. */
function planChecks(stack: DiscoveredStack, opts: ConformanceOptions): CheckPlan {
  const table = opts.checks ?? CHECKS;
  const protocol: Protocol = stack.manifest.protocol;
  const selected = table.filter((c) => (opts.level === "full" || c.smoke) && (!opts.only || opts.only.includes(c.id)));
  const deviations = new Map((stack.manifest.deviations ?? []).map((d) => [d.check, d.reason]));
  const problems: string[] = [];
  const knownIds = opts.checks ? table.map((c) => c.id) : CHECK_IDS;
  for (const id of deviations.keys())
    if (!knownIds.includes(id)) problems.push(`stack.json lists a deviation for "${id}", which is not a check id (see harness/conformance/README.md)`);
  if (opts.only) for (const id of opts.only) if (!table.some((c) => c.id === id)) problems.push(`unknown check id "${id}" in only`);
  const runnable = selected.filter((c) => c.run[protocol]);
  const notApplicable = selected
    .filter((c) => !c.run[protocol])
    .map((c) => ({
      id: c.id,
      title: c.title,
      status: "skip" as const,
      message: `not applicable to ${protocol}: ${c.notApplicable?.[protocol] ?? "no implementation for this protocol"}`,
      durationMs: 0,
    }));
  return { protocol, selected, runnable, notApplicable, deviations, problems };
}

/** Starts the shared server when a runnable check needs it; never throws (the reason lands in launchError). */
async function startSharedServer(stack: DiscoveredStack, runnable: readonly Check[], cpus: string | undefined): Promise<SharedServer> {
  const shared: SharedServer = { server: null, launchError: stack.runnable ? null : `stack ${stack.id} cannot run here: ${stack.reason}`, exit: null };
  if (shared.launchError || !runnable.some((c) => c.placement !== "dedicated")) return shared;
  try {
    shared.server = await launchServer(stack, { ...(cpus !== undefined ? { cpus } : {}) });
    void shared.server.exited.then((e) => (shared.exit = e));
  } catch (e) {
    shared.launchError = `the server did not start: ${(e as Error).message}`;
  }
  return shared;
}

function serverDiedNote(shared: SharedServer): string {
  if (!shared.server || !shared.exit) return "";
  return ` [the shared server exited (code ${shared.exit.code}, signal ${shared.exit.signal}); stderr: ${shared.server.stderrTail().slice(-400) || "(empty)"}]`;
}

/** The servers one check launches through ctx.launch: refused once the check is over, all stopped when it ends. */
class DedicatedServers {
  private aborted = false;
  private readonly launched: LaunchedServer[] = [];
  private readonly crashed: string[] = [];

  constructor(
    private readonly stack: DiscoveredStack,
    private readonly cpus: string | undefined,
    private readonly onVersion: (version: string) => void,
  ) {}

  async launch(env: Record<string, string>): Promise<LaunchedServer> {
    this.checkAborted();
    const s = await launchServer(this.stack, { env, ...(this.cpus !== undefined ? { cpus: this.cpus } : {}) }).catch((e: Error) => {
      throw new Error(
        `a dedicated server with ${
          Object.entries(env)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ") || "default env"
        } did not start: ${e.message}`,
      );
    });
    this.launched.push(s);
    void s.exited.then((e) => {
      if (e.code !== 0 || e.signal !== null)
        this.crashed.push(`a dedicated server exited (code ${e.code}, signal ${e.signal}); stderr: ${s.stderrTail().slice(-400) || "(empty)"}`);
    });
    this.onVersion(s.version);
    if (this.aborted) {
      await s.stop(DEDICATED_STOP_GRACE_MS);
      throw new CheckTimeout("check timed out");
    }
    return s;
  }

  checkAborted(): void {
    if (this.aborted) throw new CheckTimeout("check timed out");
  }

  /** Marks the check as over (a launch still in flight stops its server) and stops every server launched. */
  async stopAll(): Promise<void> {
    this.aborted = true;
    await Promise.all(this.launched.map((s) => s.stop(DEDICATED_STOP_GRACE_MS)));
  }

  /** Set by the check's timeout so that long waits and later launches give up. */
  abort(): void {
    this.aborted = true;
  }

  crashNotes(): string {
    return this.crashed.map((x) => ` [${x}]`).join("");
  }
}

/** Everything a check of one stack runs against. */
interface SuiteRun {
  stack: DiscoveredStack;
  protocol: Protocol;
  shared: SharedServer;
  cpus: string | undefined;
  /** Called with the version each launched server reports. */
  onVersion: (version: string) => void;
}

/** Runs one check under its timeout; the dedicated servers it launched are stopped before this returns. */
async function runCheck(c: Check, run: SuiteRun): Promise<Outcome> {
  const { stack, protocol, shared } = run;
  if (shared.launchError && (c.placement !== "dedicated" || !stack.runnable)) return { status: "fail", message: shared.launchError, durationMs: 0 };
  const t0 = performance.now();
  const dedicated = new DedicatedServers(stack, run.cpus, run.onVersion);
  const ctx: CheckContext = {
    stack,
    protocol,
    // Dedicated checks never touch ctx.server; a null here would only surface as a TypeError naming it.
    server: shared.server as LaunchedServer,
    launch: (env) => dedicated.launch(env),
    checkAborted: () => dedicated.checkAborted(),
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => {
      dedicated.abort();
      rej(new CheckTimeout(`did not finish within ${c.timeoutMs} ms`));
    }, c.timeoutMs);
  });
  try {
    const msg = await Promise.race([c.run[protocol]!(ctx), timeout]);
    return { status: "pass", message: typeof msg === "string" ? msg : "", durationMs: Math.round(performance.now() - t0) };
  } catch (e) {
    const note = c.placement === "dedicated" ? dedicated.crashNotes() : serverDiedNote(shared);
    return { status: "fail", message: `${(e as Error).message}${note}`, durationMs: Math.round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
    await dedicated.stopAll();
  }
}

/** Runs `fn` over `items` with at most `limit` in flight (the drivers' bounded ramp); resolves when all are done. */
function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  return ramp(items.length, limit, (i) => fn(items[i]!));
}

/**
 * Runs the checks in phases: early dedicated checks from the start; exclusive checks one at a time; then the shared
 * checks and after them the destructive ones, alongside the other dedicated checks (longest first), half the pool each.
 */
async function runPhases(runnable: readonly Check[], limit: number, runOne: (c: Check) => Promise<void>): Promise<void> {
  const byPlacement = (p: Check["placement"]) => runnable.filter((c) => c.placement === p);
  const earlyDone = Promise.all(
    byPlacement("dedicated")
      .filter((c) => c.early)
      .map(runOne),
  );
  for (const c of byPlacement("exclusive")) await runOne(c);
  const dedicated = byPlacement("dedicated")
    .filter((c) => !c.early)
    .sort((a, b) => b.timeoutMs - a.timeoutMs);
  const dedicatedDone = pool(dedicated, Math.max(1, Math.floor(limit / 2)), runOne);
  await pool(byPlacement("shared"), Math.max(1, limit - Math.floor(limit / 2)), runOne);
  await pool(byPlacement("destructive"), Math.max(1, limit - Math.floor(limit / 2)), runOne);
  await Promise.all([dedicatedDone, earlyDone]);
}

/**
 * Runs the conformance checks of `opts.level` against `stack` and returns a report listing every check.
 * Never throws for a misbehaving server: a server that does not start fails every check that needs it, with the reason.
 */
export async function runConformance(stack: DiscoveredStack, opts: ConformanceOptions): Promise<ConformanceReport> {
  const started = Date.now();
  const plan = planChecks(stack, opts);
  const results = new Map<string, CheckResult>();
  const record = (r: CheckResult) => {
    results.set(r.id, r);
    opts.onCheck?.(r);
  };
  plan.notApplicable.forEach(record);

  const shared = await startSharedServer(stack, plan.runnable, opts.cpus);
  let version: string | null = shared.server?.version ?? null;
  const run: SuiteRun = { stack, protocol: plan.protocol, shared, cpus: opts.cpus, onVersion: (v) => (version ??= v) };
  const runOne = async (c: Check) => {
    const { status, message, durationMs } = await runCheck(c, run);
    const dev = plan.deviations.get(c.id);
    record({ id: c.id, title: c.title, ...applyDeviation(status, message, dev), ...(dev !== undefined ? { deviation: dev } : {}), durationMs });
  };
  try {
    await runPhases(plan.runnable, opts.concurrency ?? DEFAULT_CONCURRENCY, runOne);
  } finally {
    await shared.server?.stop();
  }

  const ordered = plan.selected.map((c) => results.get(c.id)!);
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of ordered) counts[r.status]++;
  return {
    stack: stack.id,
    protocol: plan.protocol,
    version,
    level: opts.level,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    results: ordered,
    counts,
    ok: counts.fail === 0,
    problems: plan.problems,
  };
}
