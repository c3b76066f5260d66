// Runs the check table against one stack: shared server, phases (exclusive, shared, destructive, dedicated), deviations.
import { ramp } from "@wsarena/driver-kit";
import { launchServer, type DiscoveredStack, type LaunchedServer } from "@wsarena/runner";
import { CHECKS, CHECK_IDS } from "./checks/index.ts";
import type { Check, CheckContext, CheckResult, CheckStatus, ConformanceOptions, ConformanceReport, Protocol } from "./types.ts";

/** Default number of checks running at once on one stack (2-core machines; most checks wait on I/O). */
export const DEFAULT_CONCURRENCY = 6;
/** Grace given to servers launched by checks when they are stopped. */
const DEDICATED_STOP_GRACE_MS = 1_000;

class CheckTimeout extends Error {}

/** Applies a manifest deviation: a failure becomes warn, a pass notes that the deviation is stale. */
export function applyDeviation(status: "pass" | "fail", message: string, deviation: string | undefined): { status: CheckStatus; message: string } {
  if (deviation === undefined) return { status, message };
  if (status === "fail") return { status: "warn", message: `deviation: ${deviation} — observed: ${message}` };
  return { status: "pass", message: `passes although stack.json lists it as a deviation ("${deviation}"): remove the deviation${message ? ` — ${message}` : ""}` };
}

function serverDiedNote(server: LaunchedServer | null, exitInfo: { code: number | null; signal: string | null } | null): string {
  if (!server || !exitInfo) return "";
  return ` [the shared server exited (code ${exitInfo.code}, signal ${exitInfo.signal}); stderr: ${server.stderrTail().slice(-400) || "(empty)"}]`;
}

/**
 * Runs the conformance checks of `opts.level` against `stack` and returns a report listing every check.
 * Never throws for a misbehaving server: a server that does not start fails every check that needs it, with the reason.
 */
export async function runConformance(stack: DiscoveredStack, opts: ConformanceOptions): Promise<ConformanceReport> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const table = opts.checks ?? CHECKS;
  const protocol: Protocol = stack.manifest.protocol;
  const selected = table.filter((c) => (opts.level === "full" || c.smoke) && (!opts.only || opts.only.includes(c.id)));
  const deviations = new Map((stack.manifest.deviations ?? []).map((d) => [d.check, d.reason]));
  const problems: string[] = [];
  const knownIds = opts.checks ? table.map((c) => c.id) : CHECK_IDS;
  for (const id of deviations.keys()) if (!knownIds.includes(id)) problems.push(`stack.json lists a deviation for "${id}", which is not a check id (see harness/conformance/README.md)`);
  if (opts.only) for (const id of opts.only) if (!table.some((c) => c.id === id)) problems.push(`unknown check id "${id}" in only`);

  const results = new Map<string, CheckResult>();
  const record = (r: CheckResult) => {
    results.set(r.id, r);
    opts.onCheck?.(r);
  };
  const finish = (c: Check, status: "pass" | "fail", message: string, durationMs: number) => {
    const dev = deviations.get(c.id);
    const applied = applyDeviation(status, message, dev);
    record({ id: c.id, title: c.title, ...applied, ...(dev !== undefined ? { deviation: dev } : {}), durationMs });
  };

  const runnable: Check[] = [];
  for (const c of selected) {
    if (c.run[protocol]) runnable.push(c);
    else record({ id: c.id, title: c.title, status: "skip", message: `not applicable to ${protocol}: ${c.notApplicable?.[protocol] ?? "no implementation for this protocol"}`, durationMs: 0 });
  }

  let version: string | null = null;
  let shared: LaunchedServer | null = null;
  let sharedExit: { code: number | null; signal: string | null } | null = null;
  const needsShared = runnable.some((c) => c.placement !== "dedicated");
  let launchError: string | null = stack.runnable ? null : `stack ${stack.id} cannot run here: ${stack.reason}`;
  if (!launchError && needsShared) {
    try {
      shared = await launchServer(stack, { ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}) });
      version = shared.version;
      void shared.exited.then((e) => (sharedExit = e));
    } catch (e) {
      launchError = `the server did not start: ${(e as Error).message}`;
    }
  }

  const runOne = async (c: Check): Promise<void> => {
    if (launchError && (c.placement !== "dedicated" || !stack.runnable)) {
      finish(c, "fail", launchError, 0);
      return;
    }
    const t0 = performance.now();
    let aborted = false;
    const launched: LaunchedServer[] = [];
    const crashed: string[] = [];
    const ctx: CheckContext = {
      stack,
      protocol,
      // Dedicated checks never touch ctx.server; a null here would only surface as a TypeError naming it.
      server: shared as LaunchedServer,
      launch: async (env) => {
        if (aborted) throw new CheckTimeout("check timed out");
        const s = await launchServer(stack, { env, ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}) }).catch((e: Error) => {
          throw new Error(`a dedicated server with ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ") || "default env"} did not start: ${e.message}`);
        });
        launched.push(s);
        void s.exited.then((e) => {
          if (e.code !== 0 || e.signal !== null) crashed.push(`a dedicated server exited (code ${e.code}, signal ${e.signal}); stderr: ${s.stderrTail().slice(-400) || "(empty)"}`);
        });
        version ??= s.version;
        if (aborted) {
          await s.stop(DEDICATED_STOP_GRACE_MS);
          throw new CheckTimeout("check timed out");
        }
        return s;
      },
      checkAborted: () => {
        if (aborted) throw new CheckTimeout("check timed out");
      },
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => {
        aborted = true;
        rej(new CheckTimeout(`did not finish within ${c.timeoutMs} ms`));
      }, c.timeoutMs);
    });
    try {
      const msg = await Promise.race([c.run[protocol]!(ctx), timeout]);
      finish(c, "pass", typeof msg === "string" ? msg : "", Math.round(performance.now() - t0));
    } catch (e) {
      const note = c.placement === "dedicated" ? crashed.map((x) => ` [${x}]`).join("") : serverDiedNote(shared, sharedExit);
      finish(c, "fail", `${(e as Error).message}${note}`, Math.round(performance.now() - t0));
    } finally {
      clearTimeout(timer);
      aborted = true;
      await Promise.all(launched.map((s) => s.stop(DEDICATED_STOP_GRACE_MS)));
    }
  };

  const limit = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const byPlacement = (p: Check["placement"]) => runnable.filter((c) => c.placement === p);
  /** Runs `checks` with at most `limit` in flight (the drivers' bounded ramp); resolves when all are done. */
  const pool = (checks: readonly Check[], limit: number) => ramp(checks.length, limit, (i) => runOne(checks[i]!));
  try {
    const earlyDone = Promise.all(byPlacement("dedicated").filter((c) => c.early).map(runOne));
    for (const c of byPlacement("exclusive")) await runOne(c);
    // Other dedicated checks (longest first) run alongside the shared-server checks, half the pool each.
    const dedicated = byPlacement("dedicated").filter((c) => !c.early).sort((a, b) => b.timeoutMs - a.timeoutMs);
    const dedicatedDone = pool(dedicated, Math.max(1, Math.floor(limit / 2)));
    await pool(byPlacement("shared"), Math.max(1, limit - Math.floor(limit / 2)));
    await pool(byPlacement("destructive"), Math.max(1, limit - Math.floor(limit / 2)));
    await Promise.all([dedicatedDone, earlyDone]);
  } finally {
    await shared?.stop();
  }

  const ordered = selected.map((c) => results.get(c.id)!);
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of ordered) counts[r.status]++;
  return {
    stack: stack.id,
    protocol,
    version,
    level: opts.level,
    startedAt,
    durationMs: Date.now() - started,
    results: ordered,
    counts,
    ok: counts.fail === 0,
    problems,
  };
}
