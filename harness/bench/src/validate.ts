// `pnpm bench:loadgen --sections validate`: checks the client-loaded rule against the measurement itself. A point the
// rule calls clean must not move beyond its interval when the same offered load is split over two client processes or
// carried by half the connections: if it moved, the client's own delay was in the figure and the rule missed it.
import { runLoad, type LoadResult } from "@wsarena/loadgen";
import { launchServer, type DiscoveredStack } from "@wsarena/stacks";
import { selectScenarios } from "@wsarena/runner";
import { isClientLoaded, pointCarries, type PercentileName } from "@wsarena/results";
import { geoMean, meanInterval, ratioOfMeans } from "@wsarena/stats";

/** Offered rates of the validation (msg/s in total): below and at the rate where client-loaded used to fire. */
export const VALIDATE_RATES = [20_000, 50_000];
/** Stacks of the validation by default. */
export const DEFAULT_VALIDATE_STACKS = ["uws", "ws"];
/** Window and warm-up of each repetition. */
export const VALIDATE_DURATION_MS = 3000;
export const VALIDATE_WARMUP_MS = 1000;
/** Percentiles the rule is checked at (those a latency point may be decided at, above p50). */
export const VALIDATE_PERCENTILES: readonly PercentileName[] = ["p99Us", "p90Us"];

/** How the same offered load is carried: as the runner does, over two client processes, or over half the connections. */
export const ARRANGEMENTS = [
  { id: "base", workers: 1, connectionShare: 1 },
  { id: "two-procs", workers: 2, connectionShare: 1 },
  { id: "half-conns", workers: 1, connectionShare: 0.5 },
] as const;
type ArrangementId = (typeof ARRANGEMENTS)[number]["id"];

/** Where the servers and clients run. */
export interface ValidateCpus {
  server: string;
  client: string;
}

interface Sample {
  arrangement: ArrangementId;
  result: LoadResult;
}

/** The echo-latency scenario's connection count for an offered rate (its own params: connections follow the rate). */
function runnerConnections(rate: number): number {
  const p = selectScenarios(["echo-latency"])[0]!.plan("standard").params;
  const [per, lo, hi] = [Number(p.ratePerConnection), Number(p.minConnections), Number(p.maxConnections)];
  return Math.min(hi, Math.max(lo, Math.ceil(rate / per)));
}

const fmt = (us: number): string => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);

/** Geometric mean and 95 % interval (t on the logs) of positive values. */
function geoInterval(xs: readonly number[]): { gm: number; low: number; high: number } {
  const ci = xs.length > 1 ? meanInterval(xs.map(Math.log)) : { low: -Infinity, high: Infinity };
  return { gm: geoMean(xs), low: Math.exp(ci.low), high: Math.exp(ci.high) };
}

/** One (stack, rate): the arrangements interleaved rep by rep (drift on a shared machine hits each alike). */
async function measureRate(stack: DiscoveredStack, rate: number, reps: number, cpus: ValidateCpus): Promise<Sample[]> {
  const samples: Sample[] = [];
  const server = await launchServer(stack, { cpus: cpus.server });
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const a of ARRANGEMENTS) {
        const connections = Math.max(1, Math.round(runnerConnections(rate) * a.connectionShare));
        const result = await runLoad({
          url: server.wsUrl,
          clientCpus: cpus.client,
          workers: a.workers,
          driver: "frame",
          protocol: stack.manifest.protocol,
          mode: "echo-open",
          connections,
          rate,
          size: 64,
          binary: false,
          durationMs: VALIDATE_DURATION_MS,
          warmupMs: VALIDATE_WARMUP_MS,
        });
        samples.push({ arrangement: a.id, result });
      }
    }
  } finally {
    await server.stop();
  }
  return samples;
}

/** One line per arrangement and percentile, and whether a point the rule calls clean stayed within its interval. */
function judge(stack: string, rate: number, samples: readonly Sample[], q: PercentileName): Record<string, unknown> {
  const of = (id: ArrangementId): Sample[] => samples.filter((s) => s.arrangement === id && s.result.latency);
  const values = (id: ArrangementId): number[] => of(id).map((s) => s.result.latency![q]);
  const loaded = (id: ArrangementId): number =>
    of(id).filter((s) => isClientLoaded({ schedulerLagUs: s.result.schedulerLagUs?.[q] ?? null, latencyUs: s.result.latency![q] })).length;
  const base = values("base");
  const baseCi = geoInterval(base);
  const clean = !pointCarries("client-loaded", loaded("base"), base.length);
  const rows = ARRANGEMENTS.map(({ id }) => {
    const xs = values(id);
    const g = geoInterval(xs);
    const lag = of(id).map((s) => s.result.schedulerLagUs?.[q] ?? Number.NaN);
    const ratio = id === "base" ? null : ratioOfMeans(base, xs);
    const within = g.gm >= baseCi.low && g.gm <= baseCi.high;
    return { id, n: xs.length, gm: g.gm, low: g.low, high: g.high, lagGm: geoMean(lag.filter((x) => x > 0)), loaded: loaded(id), ratio, within };
  });
  const label = q.replace(/Us$/, "");
  console.error(`  ${stack} ${rate / 1000}k/s ${label}: base ${clean ? "clean" : "client-loaded"} (${loaded("base")} of ${base.length} reps loaded)`);
  for (const r of rows) {
    const ratio = r.ratio
      ? `, ×${r.ratio.ratio.toFixed(2)} of base (95 % CI ${r.ratio.interval.low.toFixed(2)}–${r.ratio.interval.high.toFixed(2)})${r.within ? ", within base's interval" : ", OUTSIDE base's interval"}`
      : "";
    console.error(
      `    ${r.id.padEnd(10)} ${label} ${fmt(r.gm)} (95 % CI ${fmt(r.low)}–${fmt(r.high)}, n=${r.n}), lag ${label} ${fmt(r.lagGm)}, loaded in ${r.loaded} of ${r.n}${ratio}`,
    );
  }
  const moved = rows.filter((r) => r.ratio && !r.within && r.ratio.significant);
  const verdict = !clean
    ? "not judged (base is client-loaded)"
    : moved.length
      ? `RULE MISSED: ${moved.map((r) => r.id).join(", ")} moved the clean figure`
      : "HOLDS";
  console.error(`    → ${verdict}`);
  return {
    check: "validate-client-loaded",
    stack,
    rateMsgsPerSec: rate,
    percentile: q,
    clean,
    verdict,
    rows: rows.map((r) => ({ ...r, ratio: r.ratio ? { ratio: r.ratio.ratio, interval: r.ratio.interval } : null })),
  };
}

/**
 * The validation: per stack and rate, every arrangement `reps` times (interleaved), then per percentile whether a
 * clean base moved. A clean base "moves" when a re-arranged load's geometric mean is outside the base's 95 % interval
 * and their ratio's interval excludes 1.
 */
export async function validateSection(stacks: readonly DiscoveredStack[], reps: number, cpus: ValidateCpus, report: Record<string, unknown>[]): Promise<void> {
  console.error(
    `\n== validate client-loaded (open-loop echo, ${VALIDATE_DURATION_MS} ms window, ${reps} reps per arrangement; server on cpu ${cpus.server}, clients on cpu ${cpus.client})`,
  );
  console.error(
    "   arrangements: base (the runner's connections, one client process), two-procs (same connections over two processes on the client core), half-conns (half the connections, one process)",
  );
  for (const st of stacks) {
    for (const rate of VALIDATE_RATES) {
      const samples = await measureRate(st, rate, reps, cpus);
      const errors = samples.flatMap((s) => s.result.errors);
      if (errors.length) console.error(`  ${st.id} ${rate}: errors: ${errors.slice(0, 3).join("; ")}`);
      for (const q of VALIDATE_PERCENTILES) report.push(judge(st.id, rate, samples, q));
    }
  }
}
