// pnpm bench:loadgen — proves the load generator measures the servers, not itself: launches stacks pinned to core 0,
// drives them from core 1 (open loop along the echo-latency ladder, closed loop at saturation), prints targets and figures.
import { parseArgs } from "node:util";
import { DURATION_EXAMPLES, parseDuration } from "@wsarena/format";
import { runLoad, type LoadOptions, type LoadResult } from "@wsarena/loadgen";
import { deflateSection } from "./deflate.ts";
import { shapeSection } from "./shape.ts";
import { DEFAULT_VALIDATE_STACKS, validateSection } from "./validate.ts";
import { clockTicksPerSec, startSampler, type RawReading } from "@wsarena/host";
import { discoverStacks, killAllServers, launchServer, type LaunchedServer } from "@wsarena/stacks";
import { selectScenarios } from "@wsarena/runner";

/** Core of the servers and of the clients. */
export const SERVER_CPUS = "0";
export const CLIENT_CPUS = "1";
/** Server-bound: the client core at most this busy while the server core is at least SERVER_BUSY_MIN. */
export const CLIENT_UTIL_MAX = 0.85;
export const SERVER_BUSY_MIN = 0.95;
/** Saturation run: connections × window and refill fraction (big batches: fewer syscalls per message on both sides). */
export const BENCH_CONNECTIONS = 64;
export const BENCH_WINDOW = 128;
export const BENCH_REFILL_FRACTION = 0.5;
/** Closed-loop target (issue 9, 2b): echoed messages per client CPU-second at 64 B. */
export const EFFICIENCY_GOAL = 4_000_000;
/** Open-loop targets (issue 9, 2 and 3). */
export const OPEN_CLIENT_UTIL_MAX = 0.3;
export const OPEN_CLIENT_UTIL_RATE = 100_000;
export const OPEN_LAG_P99_MAX_US = 1000;
export const OPEN_LAG_MAX_RATE = 200_000;
export const FLAT_P99_LOW_MAX_US = 1500;
export const FLAT_LOW_RATE = 1_000;
export const FLAT_HIGH_RATE = 50_000;
export const FLAT_RATIO_MAX = 2.5;
/** Offered rates of the open-loop section (the echo-latency ladder up to 200k msg/s). */
export const OPEN_RATES = [1_000, 10_000, 50_000, 100_000, 200_000];
/** Stacks of the open-loop and closed-loop sections by default. */
export const DEFAULT_STACKS = ["uws", "bun"];
/** Repetitions of every figure (medians decide the targets). */
export const DEFAULT_REPS = 3;
/** Open-loop window and warm-up. */
export const OPEN_DURATION_MS = 2000;
export const OPEN_WARMUP_MS = 500;
/**
 * A figure is "disturbed" when another process used this much of a pinned core during its window (client core busy −
 * load-worker CPU, or server core busy − server process CPU, which also holds the server's loopback softirq work).
 * Medians are then taken over the undisturbed repetitions when there are any (the machine is shared; see the README).
 */
export const FOREIGN_BUSY_MAX = 0.25;
/** Offered rates of the frame-vs-ws agreement check, and the allowed relative difference. */
export const AGREEMENT_RATES = [20_000, 2_000];
export const AGREEMENT_TOLERANCE = 0.05;
export const AGREEMENT_REPS = 3;
/**
 * Sections, in order; `deflate` (the client's permessage-deflate cost), `shape` (load shapes compared) and `validate` (the
 * client-loaded rule against a re-arranged load) run only when asked for.
 */
export const SECTIONS = ["open", "closed", "agreement", "deflate", "shape", "validate"] as const;
/** Sections run without --sections. */
export const DEFAULT_SECTIONS: readonly string[] = ["open", "closed", "agreement"];
/** Stacks of the deflate section by default. */
export const DEFAULT_DEFLATE_STACKS = ["uws", "ws"];
type Section = (typeof SECTIONS)[number];

interface Usage {
  /** Server process user+system CPU over the window, fraction of one core. */
  serverCpu: number;
  /** Busy fraction of the server's core (all processes, softirq included). */
  serverCore: number;
  /** Busy fraction of the client's core (all processes, softirq included). */
  clientCore: number;
}

function usage(readings: readonly RawReading[], startMs: number, endMs: number): Usage | null {
  let a: RawReading | undefined;
  let b: RawReading | undefined;
  for (const r of readings) {
    if (r.atMs <= startMs) a = r;
    if (!b && r.atMs >= endMs) b = r;
  }
  a ??= readings.find((r) => r.atMs >= startMs);
  b ??= readings[readings.length - 1];
  if (!a || !b || b.atMs <= a.atMs) return null;
  const sec = (b.atMs - a.atMs) / 1000;
  const busy = (i: number): number => {
    const ca = a.cores[i];
    const cb = b.cores[i];
    return ca && cb && cb.total > ca.total ? (cb.busy - ca.busy) / (cb.total - ca.total) : 0;
  };
  return { serverCpu: (b.cpuTicks - a.cpuTicks) / clockTicksPerSec() / sec, serverCore: busy(0), clientCore: busy(1) };
}

async function measure(server: LaunchedServer, o: Partial<LoadOptions>): Promise<{ r: LoadResult; u: Usage | null }> {
  const sampler = startSampler(server.pid, [Number(SERVER_CPUS), Number(CLIENT_CPUS)]);
  const r = await runLoad({ url: server.wsUrl, clientCpus: CLIENT_CPUS, ...o });
  const readings = sampler.stop();
  return { r, u: usage(readings, r.windowStartMs, r.windowEndMs) };
}

const pct = (x: number | undefined): string => (x === undefined ? "  n/a" : `${(x * 100).toFixed(1).padStart(5)}%`);
const int = (x: number): string => Math.round(x).toLocaleString("en-US");
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;
const verdict = (ok: boolean): string => (ok ? "MET" : "NOT MET");

/** One open-loop figure set of a (stack, rate, repetition). */
interface OpenFigure {
  stack: string;
  rate: number;
  connections: number;
  clientCpu: number;
  clientCore: number;
  serverCore: number;
  serverCpu: number;
  /** Another process used a pinned core during the window (see FOREIGN_BUSY_MAX). */
  disturbed: boolean;
  lagP50Us: number;
  lagP99Us: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  msgsPerSec: number;
  lost: number;
}

/** The figures of one open-loop window against `stack` at `rate`. */
function openFigureOf(stack: string, rate: number, connections: number, r: LoadResult, u: Usage | null): OpenFigure {
  return {
    stack,
    rate,
    connections,
    clientCpu: r.clientCpu.utilisation,
    clientCore: u?.clientCore ?? Number.NaN,
    serverCore: u?.serverCore ?? Number.NaN,
    serverCpu: u?.serverCpu ?? Number.NaN,
    disturbed: !u || u.clientCore - r.clientCpu.utilisation > FOREIGN_BUSY_MAX || u.serverCore - u.serverCpu > FOREIGN_BUSY_MAX,
    lagP50Us: r.schedulerLagUs?.p50Us ?? Number.NaN,
    lagP99Us: r.schedulerLagUs?.p99Us ?? Number.NaN,
    p50Us: r.latency?.p50Us ?? Number.NaN,
    p99Us: r.latency?.p99Us ?? Number.NaN,
    p999Us: r.latency?.p999Us ?? Number.NaN,
    msgsPerSec: r.msgsPerSec,
    lost: r.integrity.lost + r.integrity.duplicated + r.integrity.reordered + r.integrity.corrupted,
  };
}

async function openLoop(
  stacks: ReturnType<typeof discoverStacks>,
  reps: number,
  connectionsOverride: number | undefined,
  report: Record<string, unknown>[],
): Promise<void> {
  const points = selectScenarios(["echo-latency"])[0]!.plan("standard").points;
  console.error(
    `\n== open loop (echo-latency ladder, ${OPEN_DURATION_MS} ms window, ${reps} reps; server on cpu ${SERVER_CPUS}, client on cpu ${CLIENT_CPUS})`,
  );
  console.error("stack  rate/s    conns  per-conn/s  client cpu  client core  server core  lag p50/p99 µs   echo p50 / p99 / p99.9 µs   lost");
  const figs: OpenFigure[] = [];
  for (const st of stacks) {
    const server = await launchServer(st, { cpus: SERVER_CPUS });
    try {
      for (let rep = 0; rep < reps; rep++) {
        for (const rate of OPEN_RATES) {
          const p = points.find((x) => x.load.rate === rate);
          const connections = connectionsOverride ?? p?.load.connections ?? 8;
          const load = { ...(p?.load ?? {}), rate, connections, durationMs: OPEN_DURATION_MS, warmupMs: OPEN_WARMUP_MS };
          const { r, u } = await measure(server, { ...load, driver: "frame", protocol: st.manifest.protocol, mode: "echo-open" });
          const f = openFigureOf(st.id, rate, connections, r, u);
          figs.push(f);
          console.error(
            `${st.id.padEnd(5)} ${int(rate).padStart(8)}  ${String(f.connections).padStart(5)}  ${int(rate / f.connections).padStart(10)}  ${pct(f.clientCpu)}      ${pct(f.clientCore)}       ${pct(f.serverCore)}   ${int(f.lagP50Us).padStart(6)} / ${int(f.lagP99Us).padEnd(6)}  ${int(f.p50Us).padStart(7)} / ${int(f.p99Us).padStart(6)} / ${int(f.p999Us).padStart(6)}   ${f.lost}${f.disturbed ? "  (disturbed: foreign load on a pinned core)" : ""}`,
          );
          if (r.errors.length) console.error(`  errors: ${r.errors.slice(0, 3).join("; ")}`);
        }
      }
    } finally {
      await server.stop();
    }
  }
  report.push({ check: "open-loop", figures: figs });
  openSummary(stacks, reps, figs);
}

/** Prints the open-loop medians per (stack, rate) and the targets they meet or miss. */
function openSummary(stacks: ReturnType<typeof discoverStacks>, reps: number, figs: readonly OpenFigure[]): void {
  console.error(`\nopen loop, medians of the undisturbed reps (all ${reps} when every rep was disturbed):`);
  const reps_ = (stack: string, rate: number): OpenFigure[] => {
    const all = figs.filter((f) => f.stack === stack && f.rate === rate);
    const clean = all.filter((f) => !f.disturbed);
    return clean.length ? clean : all;
  };
  const m = (stack: string, rate: number, k: keyof OpenFigure): number => med(reps_(stack, rate).map((f) => f[k] as number));
  for (const st of stacks) {
    for (const rate of OPEN_RATES) {
      const used = reps_(st.id, rate);
      console.error(
        `  ${st.id.padEnd(5)} ${int(rate).padStart(8)}/s (${used.length} rep${used.length > 1 ? "s" : ""}${used.some((f) => f.disturbed) ? ", disturbed" : ""}): client cpu ${pct(m(st.id, rate, "clientCpu")).trim()}, client core ${pct(m(st.id, rate, "clientCore")).trim()}, lag p50 ${int(m(st.id, rate, "lagP50Us"))} µs p99 ${int(m(st.id, rate, "lagP99Us"))} µs, echo p50 ${int(m(st.id, rate, "p50Us"))} µs p99 ${int(m(st.id, rate, "p99Us"))} µs`,
      );
    }
  }
  console.error("targets (medians):");
  const uws = stacks.find((s) => s.id === "uws");
  if (uws) {
    const c = m("uws", OPEN_CLIENT_UTIL_RATE, "clientCpu");
    console.error(
      `  [2] client cpu at ${int(OPEN_CLIENT_UTIL_RATE)} msg/s against uws ≤ ${pct(OPEN_CLIENT_UTIL_MAX).trim()}: ${pct(c).trim()} (client core incl. softirq ${pct(m("uws", OPEN_CLIENT_UTIL_RATE, "clientCore")).trim()}) → ${verdict(c <= OPEN_CLIENT_UTIL_MAX)}`,
    );
  }
  for (const st of stacks) {
    const worst = Math.max(...OPEN_RATES.filter((r) => r <= OPEN_LAG_MAX_RATE).map((r) => m(st.id, r, "lagP99Us")));
    console.error(
      `  [2] ${st.id}: scheduler lag p99 ≤ ${OPEN_LAG_P99_MAX_US} µs at every rate ≤ ${int(OPEN_LAG_MAX_RATE)}/s: worst ${int(worst)} µs → ${verdict(worst <= OPEN_LAG_P99_MAX_US)}`,
    );
    const lo = m(st.id, FLAT_LOW_RATE, "p99Us");
    const hi = m(st.id, FLAT_HIGH_RATE, "p99Us");
    console.error(`  [3] ${st.id}: p99 at ${int(FLAT_LOW_RATE)}/s ≤ ${ms(FLAT_P99_LOW_MAX_US)}: ${ms(lo)} → ${verdict(lo <= FLAT_P99_LOW_MAX_US)}`);
    console.error(
      `  [3] ${st.id}: p99 at ${int(FLAT_HIGH_RATE)}/s ≤ ${FLAT_RATIO_MAX}× p99 at ${int(FLAT_LOW_RATE)}/s: ${ms(hi)} = ${(hi / lo).toFixed(2)}× → ${verdict(hi <= FLAT_RATIO_MAX * lo)}`,
    );
  }
}

async function closedLoop(
  stacks: ReturnType<typeof discoverStacks>,
  reps: number,
  o: { connections: number; window: number; refillFraction: number; durationMs: number },
  report: Record<string, unknown>[],
): Promise<void> {
  console.error(
    `\n== closed loop: frame driver, echo ${o.connections}×${o.window} (refill ${o.refillFraction}), 64 B binary, ${o.durationMs} ms window, ${reps} reps`,
  );
  console.error(`server-bound = client ≤ ${CLIENT_UTIL_MAX * 100}% and server core ≥ ${SERVER_BUSY_MIN * 100}%`);
  console.error("stack              msgs/s   client cpu  client core  server proc  server core  msgs/client-cpu-s  p50 µs   p99 µs  lost  verdict");
  for (const st of stacks) {
    const server = await launchServer(st, { cpus: SERVER_CPUS });
    const eff: number[] = [];
    try {
      for (let rep = 0; rep < reps; rep++) {
        const { r, u } = await measure(server, {
          driver: "frame",
          mode: "echo",
          protocol: st.manifest.protocol,
          connections: o.connections,
          window: o.window,
          refillFraction: o.refillFraction,
          size: 64,
          binary: true,
          durationMs: o.durationMs,
          warmupMs: 1000,
        });
        const serverBound = r.clientCpu.utilisation <= CLIENT_UTIL_MAX && (u?.serverCore ?? 0) >= SERVER_BUSY_MIN;
        const v = serverBound ? "server-bound" : r.clientCpu.utilisation > CLIENT_UTIL_MAX ? "CLIENT-BOUND" : "server core not saturated";
        eff.push(r.msgsPerClientCpuSec);
        console.error(
          `${st.id.padEnd(16)} ${int(r.msgsPerSec).padStart(10)}  ${pct(r.clientCpu.utilisation)}      ${pct(u?.clientCore)}       ${pct(u?.serverCpu)}       ${pct(u?.serverCore)}   ${int(r.msgsPerClientCpuSec).padStart(14)}  ${int(r.latency?.p50Us ?? 0).padStart(7)}  ${int(r.latency?.p99Us ?? 0).padStart(7)}  ${String(r.integrity.lost).padStart(4)}  ${v}`,
        );
        if (r.errors.length) console.error(`  errors: ${r.errors.slice(0, 3).join("; ")}`);
        if (u && u.serverCore - u.serverCpu > 0.2)
          console.error(`  note: cpu ${SERVER_CPUS} was ${pct(u.serverCore - u.serverCpu).trim()} busy with other work (loopback softirq or other processes)`);
        report.push({
          check: "saturation",
          stack: st.id,
          msgsPerSec: r.msgsPerSec,
          clientUtilisation: r.clientCpu.utilisation,
          clientCoreBusy: u?.clientCore ?? null,
          serverProcessCpu: u?.serverCpu ?? null,
          serverCoreBusy: u?.serverCore ?? null,
          msgsPerClientCpuSec: r.msgsPerClientCpuSec,
          serverBound,
          integrity: r.integrity,
          latency: r.latency,
        });
      }
    } finally {
      await server.stop();
    }
    console.error(`  [2b] ${st.id}: msgs per client cpu-s ≥ ${int(EFFICIENCY_GOAL)}: median ${int(med(eff))} → ${verdict(med(eff) >= EFFICIENCY_GOAL)}`);
  }
}

async function agreement(durationMs: number, report: Record<string, unknown>[]): Promise<void> {
  const wsStack = discoverStacks().find((s) => s.id === "ws" && s.runnable);
  if (!wsStack) return void console.error("agreement: stack ws not runnable, skipped");
  const server = await launchServer(wsStack, { cpus: SERVER_CPUS });
  try {
    for (const rate of AGREEMENT_RATES) {
      const common: Partial<LoadOptions> = {
        mode: "echo-open",
        connections: 16,
        rate,
        size: 64,
        binary: true,
        durationMs: Math.min(durationMs, 2000),
        warmupMs: 500,
      };
      // Alternating repetitions, compared by their medians: the shared machine's noise hits both drivers alike.
      const runs: { frame: LoadResult[]; ws: LoadResult[] } = { frame: [], ws: [] };
      for (let i = 0; i < AGREEMENT_REPS; i++) {
        for (const driver of i % 2 === 0 ? (["frame", "ws"] as const) : (["ws", "frame"] as const))
          runs[driver].push((await measure(server, { ...common, driver })).r);
      }
      const fT = med(runs.frame.map((r) => r.msgsPerSec));
      const wT = med(runs.ws.map((r) => r.msgsPerSec));
      const fP = med(runs.frame.map((r) => r.latency?.p50Us ?? 0));
      const wP = med(runs.ws.map((r) => r.latency?.p50Us ?? 0));
      const dT = Math.abs(fT - wT) / wT;
      const dP = Math.abs(fP - wP) / Math.max(1, wP);
      const agree = dT <= AGREEMENT_TOLERANCE && dP <= AGREEMENT_TOLERANCE;
      console.error(`\n== agreement at ${int(rate)} msgs/s offered against ws (16 connections, open loop, 64 B, ${AGREEMENT_REPS} alternating runs each):`);
      for (const d of ["frame", "ws"] as const) {
        console.error(
          `  ${d.padEnd(5)} msgs/s ${runs[d].map((r) => int(r.msgsPerSec)).join(" / ")} · p50 µs ${runs[d].map((r) => r.latency?.p50Us ?? 0).join(" / ")} · p99 µs ${runs[d].map((r) => r.latency?.p99Us ?? 0).join(" / ")} · scheduler lag p50/p99 µs ${runs[d].map((r) => `${r.schedulerLagUs?.p50Us ?? "-"}/${r.schedulerLagUs?.p99Us ?? "-"}`).join(" / ")} · client cpu ${runs[d].map((r) => pct(r.clientCpu.utilisation).trim()).join(" / ")} · lost ${runs[d].map((r) => r.integrity.lost).join("/")}`,
        );
      }
      console.error(
        `  medians: throughput differs by ${(dT * 100).toFixed(2)}%, p50 by ${(dP * 100).toFixed(2)}% → ${agree ? "AGREE" : "DISAGREE"} (tolerance ${AGREEMENT_TOLERANCE * 100}%)`,
      );
      report.push({
        check: "agreement",
        rateMsgsPerSec: rate,
        frame: runs.frame.map((r) => ({ msgsPerSec: r.msgsPerSec, latency: r.latency })),
        ws: runs.ws.map((r) => ({ msgsPerSec: r.msgsPerSec, latency: r.latency })),
        throughputDiff: dT,
        p50Diff: dP,
        agree,
      });
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stacks: { type: "string" },
      sections: { type: "string" },
      reps: { type: "string" },
      duration: { type: "string" },
      json: { type: "boolean" },
      connections: { type: "string" },
      "open-connections": { type: "string" },
      window: { type: "string" },
      refill: { type: "string" },
    },
  });
  const sections = (values.sections ? values.sections.split(",") : [...DEFAULT_SECTIONS]) as Section[];
  const bad = sections.filter((s) => !SECTIONS.includes(s));
  if (bad.length) throw new Error(`--sections ${bad.join(",")}: expected a list of ${SECTIONS.join(", ")}`);
  const reps = Number(values.reps ?? DEFAULT_REPS);
  const durationMs = values.duration ? parseDuration(values.duration) : 3000;
  if (durationMs === null) throw new Error(`--duration ${values.duration}: expected a duration such as ${DURATION_EXAMPLES}`);
  const all = discoverStacks();
  const wanted = values.stacks ? values.stacks.split(",") : DEFAULT_STACKS;
  const stacks = wanted.map((id) => all.find((s) => s.id === id && s.runnable)).filter((s) => s !== undefined);
  const skipped = wanted.filter((id) => !stacks.some((s) => s.id === id));
  if (skipped.length) console.error(`skipping (not present or not runnable): ${skipped.join(", ")}`);
  const report: Record<string, unknown>[] = [];
  if (sections.includes("open")) await openLoop(stacks, reps, values["open-connections"] ? Number(values["open-connections"]) : undefined, report);
  if (sections.includes("closed")) {
    await closedLoop(
      stacks,
      reps,
      {
        connections: Number(values.connections ?? BENCH_CONNECTIONS),
        window: Number(values.window ?? BENCH_WINDOW),
        refillFraction: Number(values.refill ?? BENCH_REFILL_FRACTION),
        durationMs,
      },
      report,
    );
  }
  if (sections.includes("agreement")) await agreement(durationMs, report);
  if (sections.includes("deflate")) {
    const ids = values.stacks ? values.stacks.split(",") : DEFAULT_DEFLATE_STACKS;
    await deflateSection(
      all.filter((s) => ids.includes(s.id) && s.runnable),
      reps,
      { server: SERVER_CPUS, client: CLIENT_CPUS },
      report,
    );
  }
  if (sections.includes("shape")) await shapeSection(stacks, reps, { server: SERVER_CPUS, client: CLIENT_CPUS }, report);
  if (sections.includes("validate")) {
    const ids = values.stacks ? values.stacks.split(",") : DEFAULT_VALIDATE_STACKS;
    await validateSection(
      all.filter((s) => ids.includes(s.id) && s.runnable),
      reps,
      { server: SERVER_CPUS, client: CLIENT_CPUS },
      report,
    );
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main()
  .catch((e: unknown) => {
    console.error(`bench:loadgen: ${(e as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => killAllServers());
