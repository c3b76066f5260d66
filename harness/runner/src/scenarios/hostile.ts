// hostile: a seeded fuzz pass of malformed traffic with a bystander echo connection checked after every input; the
// pass fails when the server dies, stops serving the bystander, grows RSS without bound or answers off-contract.
import { limitsFromEnv, SIO_WS_PATH } from "@wsarena/protocol";
import { discoverStacks } from "@wsarena/stacks";
import { HOSTILE_CLASSES, hostileInputs, type HostileMix, runHostilePass, slope, type HostilePassResult, type Verdict } from "@wsarena/hostile";
import { detailsOf, type HostileDetails, type RepetitionRecord } from "@wsarena/results";
import { baseLoad, emptyLoadResult } from "./common.ts";
import type { Profile, Scenario, ScenarioPlan, ScenarioPoint, ScenarioRunContext, ScenarioWindow, WindowOutcome } from "./types.ts";

/** PRNG seed of the pass; recorded in the params, so a rerun sends the same inputs. */
export const HOSTILE_SEED = 0x8e0d1e;
/** Inputs per profile (at least 1,000 in standard), and how many of them are the slow kinds. */
export const HOSTILE_MIX: Readonly<Record<Profile, HostileMix>> = {
  quick: { inputs: 200, slowloris: 1, halfOpen: 5 },
  standard: { inputs: 1_000, slowloris: 4, halfOpen: 20 },
  full: { inputs: 3_000, slowloris: 10, halfOpen: 50 },
};
/** RSS may grow this much over a pass before the pass fails as "memory grows without bound". */
export const HOSTILE_RSS_GROWTH_LIMIT_BYTES = 64 * 1024 * 1024;
/** Unexpected outcomes kept in the details (all are counted). */
export const HOSTILE_UNEXPECTED_KEPT = 50;

/** Folds the pass into the stored details. */
export function hostileDetails(seed: number, planned: number, pass: HostilePassResult): HostileDetails {
  const outcomesByClass: HostileDetails["outcomesByClass"] = {};
  const verdictsByClass: HostileDetails["verdictsByClass"] = {};
  const verdicts: Record<Verdict, number> = { contract: 0, deviation: 0, unexpected: 0 };
  const unexpected: HostileDetails["unexpected"] = [];
  for (const r of pass.results) {
    const oc = (outcomesByClass[r.cls] ??= {});
    oc[r.outcome] = (oc[r.outcome] ?? 0) + 1;
    const vc = (verdictsByClass[r.cls] ??= { contract: 0, deviation: 0, unexpected: 0 });
    vc[r.verdict]++;
    verdicts[r.verdict]++;
    if (r.verdict === "unexpected" && unexpected.length < HOSTILE_UNEXPECTED_KEPT)
      unexpected.push({ id: r.id, outcome: r.outcome, allowed: r.allowed, ...(r.check !== undefined ? { check: r.check } : {}) });
  }
  const perMin = slope(pass.rssSamples.map((s) => ({ x: s.atMs / 60_000, y: s.rssBytes / 1024 })));
  return {
    seed,
    inputsPlanned: planned,
    inputsSent: pass.inputsSent,
    outcomesByClass,
    verdictsByClass,
    accountedPct: pass.inputsSent > 0 ? (100 * (verdicts.contract + verdicts.deviation)) / pass.inputsSent : 0,
    verdicts,
    unexpected,
    deaths: pass.deaths,
    bystanderFailures: pass.bystanderFailures,
    rssBeforeBytes: pass.rssBeforeBytes,
    rssAfterBytes: pass.rssAfterBytes,
    rssSlopeKiBPerMin: Math.round(perMin),
  };
}

/** Failed conditions of a pass (empty = the stack survived it on the contract's terms). */
export function hostileFailures(d: HostileDetails): string[] {
  const out: string[] = [];
  if (d.deaths > 0) out.push(`the server died after ${d.inputsSent} of ${d.inputsPlanned} hostile inputs`);
  if (d.bystanderFailures.length > 0)
    out.push(
      `the bystander connection failed ${d.bystanderFailures.length} time(s), first after ${d.bystanderFailures[0]!.afterInput}: ${d.bystanderFailures[0]!.error}`,
    );
  if (d.rssBeforeBytes !== null && d.rssAfterBytes !== null && d.rssAfterBytes - d.rssBeforeBytes > HOSTILE_RSS_GROWTH_LIMIT_BYTES)
    out.push(
      `server RSS grew ${((d.rssAfterBytes - d.rssBeforeBytes) / 1048576).toFixed(1)} MiB over the pass (slope ${d.rssSlopeKiBPerMin} KiB/min), more than ${HOSTILE_RSS_GROWTH_LIMIT_BYTES / 1048576} MiB`,
    );
  if (d.verdicts.unexpected > 0) {
    const first = d.unexpected.slice(0, 3).map((u) => `${u.id} → ${u.outcome} (allowed ${u.allowed.join("|")}${u.check ? `; ${u.check}` : ""})`);
    out.push(`${d.verdicts.unexpected} input(s) got an outcome that is neither the contract's nor a documented deviation: ${first.join("; ")}`);
  }
  if (d.inputsSent < d.inputsPlanned && d.deaths === 0) out.push(`only ${d.inputsSent} of ${d.inputsPlanned} inputs were sent (aborted)`);
  return out;
}

/** The details of a window, when it is a hostile one. */
function passDetails(o: WindowOutcome): HostileDetails | null {
  const d = o.result.details;
  return d && "outcomesByClass" in d ? d : null;
}

/** Runs the pass against the repetition's server. */
async function runPass(point: ScenarioPoint, ctx: ScenarioRunContext): Promise<ScenarioWindow> {
  const s = ctx.server;
  const seed = Number(point.params.seed);
  const mix: HostileMix = { inputs: Number(point.params.inputs), slowloris: Number(point.params.slowloris), halfOpen: Number(point.params.halfOpen) };
  const path = ctx.protocol === "socket.io" ? SIO_WS_PATH : "/echo";
  const hostHeader = `${s.host}:${s.port}`;
  const maxPayloadBytes = limitsFromEnv(process.env).maxPayloadBytes;
  const inputs = hostileInputs(seed, mix, { hostHeader, path, maxPayloadBytes });
  const manifest = discoverStacks().find((d) => d.id === s.stack)?.manifest;
  const deviations = new Map((manifest?.deviations ?? []).map((d) => [d.check, d.reason]));
  let alive = true;
  void s.exited.then(() => (alive = false));
  const cpu0 = process.cpuUsage();
  const pass = await runHostilePass({
    endpoint: { host: s.host, port: s.port, path, protocol: ctx.protocol, hostHeader },
    inputs,
    pid: s.pid,
    alive: () => alive,
    deviations,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const cpu = process.cpuUsage(cpu0);
  const result = emptyLoadResult(point.load, pass.startedMs, pass.endedMs);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  result.clientCpu = {
    cpus: null,
    workers: 1,
    cpuSeconds,
    utilisation: cpuSeconds / Math.max(0.001, result.durationMs / 1000),
    perWorkerCpuSeconds: [cpuSeconds],
  };
  const details = hostileDetails(seed, inputs.length, pass);
  return { ...result, details };
}

const hostilePlanLoad = (profile: Profile) => baseLoad(profile, { mode: "echo", warmupMs: 0 });

export const hostile: Scenario = {
  id: "hostile",
  description: `Seeded fuzz pass of malformed traffic (${HOSTILE_CLASSES.length} input classes, ${HOSTILE_MIX.standard.inputs} inputs in standard) with a bystander echo checked after each input: deaths, bystander failures, RSS and the outcome of every input against the contract.`,
  // Headline: the share of inputs answered as the contract says or as the stack documents (100 % = no surprise);
  // deaths, bystander failures and RSS are postconditions, and the report's hostile tables show every count.
  metric: () => ({ name: "accountedPct", unit: "%", better: "higher" }),
  value: (_p, r: RepetitionRecord) => {
    const d = detailsOf("hostile", r);
    return d && d.inputsSent > 0 && d.accountedPct !== undefined ? d.accountedPct : Number.NaN;
  },
  plan(profile: Profile): ScenarioPlan {
    const mix = HOSTILE_MIX[profile];
    return {
      params: { seed: HOSTILE_SEED, inputs: mix.inputs },
      points: [
        {
          key: "fuzz",
          params: { seed: HOSTILE_SEED, inputs: mix.inputs, slowloris: mix.slowloris, halfOpen: mix.halfOpen },
          kind: "connections",
          load: hostilePlanLoad(profile),
        },
      ],
    };
  },
  run: (point, ctx) => runPass(point, ctx),
  postcondition(o: WindowOutcome): string[] {
    const d = passDetails(o);
    return d ? hostileFailures(d) : ["the hostile pass returned no details"];
  },
};
