// One repetition of one measurement: a fresh server, every point of the scenario in ladder order (a ladder stops at
// the first saturated point), the knee's bisection windows of a rate ladder, then the server is stopped. Errors mark
// the measurement errored.
import type { LaunchedServer } from "@wsarena/stacks";
import { ESTIMATED_SERVER_START_MS, estimatePointMs } from "./estimate.ts";
import { KNEE_BISECT_STEPS, emptyKneeRecord, hasKnee, judgeWindow, kneeOf, searchKnee, sloOf } from "./knee.ts";
import { measurePoint } from "./measure.ts";
import { dropUnrun, pointProgress } from "./progress.ts";
import { headlineOf } from "./records.ts";
import { createRepetitionServer, SERVER_STOP_GRACE_MS, type RepetitionServer } from "./repetition-server.ts";
import type { MeasurementState, RunContext } from "./run-context.ts";
import type { ScenarioPoint, WindowOutcome } from "./scenarios/types.ts";
import type { RepetitionRecord } from "@wsarena/results";

/** Lines of a crashed server's stderr kept in its measurement file (serverExit.stderrTail). */
export const SERVER_STDERR_TAIL_LINES = 10;
/** How long an errored repetition waits for the server's exit to be seen (a crash can fail the load first). */
export const SERVER_EXIT_WAIT_MS = 500;

/** Step 3 of runMatrix: one repetition of `s` (see the module header). */
export async function measureRepetition(ctx: RunContext, s: MeasurementState): Promise<void> {
  const { opts, abort, progress: pr } = ctx;
  const rep = s.repsStarted++;
  s.startedAt ??= new Date().toISOString();
  const t0 = ctx.now();
  const slot = createRepetitionServer(s.stack, s.scenario, opts.pinning, abort);
  let pointKey = "(start)";
  let doneAtStart: number | null = null;
  try {
    await slot.start(s.plan.points[0]?.serverEnv);
    pr.estimatedDoneMs += ESTIMATED_SERVER_START_MS;
    doneAtStart = pr.done;
    for (const point of s.plan.points) {
      if (abort.aborted()) break;
      pointKey = point.key;
      const server = await slot.switchTo(point.serverEnv);
      if (!(await measureLadderPoint(ctx, s, slot, server, point, rep))) break;
    }
    if (!abort.aborted()) await measureKnee(ctx, s, slot, rep);
    if (!abort.aborted()) s.repsDone++;
  } catch (e) {
    if (abort.aborted()) return;
    // The errored measurement runs no more: neither the rest of this repetition nor the ones up to minReps.
    const finishedPoints = doneAtStart === null ? 0 : pr.done - doneAtStart;
    dropUnrun(pr, s.plan, finishedPoints, doneAtStart !== null, Math.max(0, ctx.policy.minReps - s.repsStarted));
    await recordRepetitionError(ctx, s, slot.current(), rep, pointKey, (e as Error).message);
  } finally {
    abort.setCurrent(null);
    await slot.current()?.stop(abort.aborted() ? 200 : SERVER_STOP_GRACE_MS);
    s.repsMs += ctx.now() - t0;
  }
  ctx.writeState(s, abort.aborted());
}

/**
 * Measures one point against `server` and keeps its record. Returns whether the ladder goes on (false when the run was
 * interrupted during the window, whose record is discarded, or when the point saturated the server); throws when the
 * server exited during the window.
 */
async function measureLadderPoint(
  ctx: RunContext,
  s: MeasurementState,
  slot: RepetitionServer,
  server: LaunchedServer,
  point: ScenarioPoint,
  rep: number,
): Promise<boolean> {
  const { progress: pr, emit } = ctx;
  const { stack, scenario, plan } = s;
  const measured = await measureWindow(ctx, s, slot, server, point, rep);
  if (!measured) return false; // the window was cut short by the interruption: discard it
  const { record, outcome } = measured;
  const exitedEarly = slot.exitedEarly();
  if (exitedEarly) record.errors.push(`server exited during the window: ${slot.current()!.stderrTail().split("\n").slice(-3).join(" | ")}`);
  let ps = s.points.get(point.key);
  if (!ps) s.points.set(point.key, (ps = { params: point.params, reps: [], saturated: false }));
  ps.reps.push(record);
  ctx.inWindowMs += record.durationMs;
  ctx.quietWaitMs += record.quietGate?.waitedMs ?? 0;
  pr.done++;
  pr.estimatedDoneMs += estimatePointMs(point);
  const saturated = !exitedEarly && scenario.saturated?.(outcome) === true;
  if (saturated) {
    ps.saturated = true;
    // The ladder stops here: its later points count as done, so this line's progress already says so.
    const skipped = plan.points.slice(plan.points.indexOf(point) + 1);
    pr.done += skipped.length;
    pr.estimatedDoneMs += skipped.reduce((a, p) => a + estimatePointMs(p), 0);
  }
  emit({
    type: "point-done",
    scenario: scenario.id,
    stack: stack.id,
    rep,
    point: point.key,
    record,
    headline: headlineOf(scenario, point, record),
    unit: scenario.metric(point).unit,
    ...pointProgress(pr, ctx.policy, ctx.now, ctx.states.values()),
  });
  if (exitedEarly) throw new Error(`${stack.id} exited during ${scenario.id} ${point.key}`);
  return !saturated;
}

/** Measures one window of `point` against `server` (point-start emitted); null when the run was interrupted during it. */
async function measureWindow(
  ctx: RunContext,
  s: MeasurementState,
  slot: RepetitionServer,
  server: LaunchedServer,
  point: ScenarioPoint,
  rep: number,
): Promise<{ record: RepetitionRecord; outcome: WindowOutcome } | null> {
  const { opts, abort, progress: pr } = ctx;
  const { stack, scenario } = s;
  ctx.emit({
    type: "point-start",
    scenario: scenario.id,
    stack: stack.id,
    rep,
    reps: ctx.policy.minReps,
    maxReps: ctx.policy.maxReps,
    point: point.key,
    ...pointProgress(pr, ctx.policy, ctx.now, ctx.states.values()),
  });
  const measured = measurePoint(point, {
    scenario,
    server,
    protocol: stack.manifest.protocol,
    driver: ctx.driverFor(stack),
    ...(stack.variant?.load.deflate ? { deflate: true } : {}),
    serverCpus: opts.pinning?.serverCpus ?? [],
    clientCpus: opts.pinning?.clientList,
    clientCoreList: opts.pinning?.clientCpus ?? [],
    rep,
    runLoad: opts.runLoad,
    probes: ctx.probes,
    quietGate: opts.floor !== false,
    ...(opts.signal ? { signal: opts.signal } : {}),
    launchServer: slot.launchExtra(point),
    // The restarted server replaces this repetition's: it is the one checked after the window and stopped at the end.
    restartServer: slot.restart,
  });
  measured.catch(() => {});
  const result = await Promise.race([measured, abort.abortedP]);
  return abort.aborted() ? null : result;
}

/**
 * Rate ladders (hasKnee): judges this repetition's ladder windows against the SLO, bisects between the last rate that
 * passed and the first that failed (windows kept in the knee record, not as points) and keeps the repetition's knee.
 */
async function measureKnee(ctx: RunContext, s: MeasurementState, slot: RepetitionServer, rep: number): Promise<void> {
  const scenario = s.scenario;
  if (!hasKnee(scenario)) return;
  const slo = sloOf(ctx.opts);
  const ladder = s.plan.points.flatMap((p) => {
    const r = s.points.get(p.key)?.reps.find((x) => x.rep === rep);
    return r ? [judgeWindow(p.load.rate, r, slo, "ladder")] : [];
  });
  const steps = await searchKnee(
    ladder,
    async (rate) => {
      const at = scenario.knee.pointAt(rate, ctx.opts.profile);
      const point = { ...at, key: `knee ${at.key}` };
      const measured = await measureWindow(ctx, s, slot, await slot.switchTo(point.serverEnv), point, rep);
      if (!measured) return null;
      ctx.inWindowMs += measured.record.durationMs;
      ctx.quietWaitMs += measured.record.quietGate?.waitedMs ?? 0;
      ctx.emit({
        type: "point-done",
        scenario: scenario.id,
        stack: s.stack.id,
        rep,
        point: point.key,
        record: measured.record,
        headline: scenario.value(point, measured.record),
        unit: scenario.metric(point).unit,
        ...pointProgress(ctx.progress, ctx.policy, ctx.now, ctx.states.values()),
      });
      if (slot.exitedEarly())
        throw new Error(`${s.stack.id} exited during ${scenario.id} ${point.key}: ${slot.current()!.stderrTail().split("\n").slice(-3).join(" | ")}`);
      return judgeWindow(rate, measured.record, slo, "bisect");
    },
    KNEE_BISECT_STEPS[ctx.opts.profile],
  );
  if (ctx.abort.aborted()) return;
  (s.knee ??= emptyKneeRecord(slo, ctx.opts.profile)).reps.push(kneeOf(rep, steps));
}

/** Marks `s` errored by repetition `rep`, saying how the server ended when it exited (a crash often fails the load first). */
async function recordRepetitionError(
  ctx: RunContext,
  s: MeasurementState,
  server: LaunchedServer | null,
  rep: number,
  pointKey: string,
  loadMessage: string,
): Promise<void> {
  const { stack, scenario } = s;
  let message = loadMessage;
  // A crash often fails the load before the exit is seen: wait for it briefly, then say how the server ended.
  const exit = server ? await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), SERVER_EXIT_WAIT_MS))]) : null;
  if (server && exit) {
    const stderrTail = server.stderrTail().split("\n").filter(Boolean).slice(-SERVER_STDERR_TAIL_LINES);
    s.serverExit = { code: exit.code, signal: exit.signal, stderrTail, rep, point: pointKey };
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
    message = `${stack.id} ${how} during ${scenario.id} ${pointKey}${stderrTail.length ? `; last stderr line: ${stderrTail[stderrTail.length - 1]}` : "; no stderr output"} (load: ${message})`;
  }
  s.status = "errored";
  s.reason = `repetition ${rep}: ${message}`;
  ctx.emit({
    type: "measurement-error",
    scenario: scenario.id,
    stack: stack.id,
    rep,
    message,
    ...pointProgress(ctx.progress, ctx.policy, ctx.now, ctx.states.values()),
  });
}
