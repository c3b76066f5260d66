// pnpm bench:loadgen — proves the load generator out-runs the servers: launches stacks pinned to core 0 (launchServer
// of harness/runner), drives them from core 1, samples server CPU from /proc, and prints the figures and verdicts.
import { parseArgs } from "node:util";
import { discoverStacks } from "../../../harness/runner/src/discover.ts";
import { launchServer, killAllServers, type LaunchedServer } from "../../../harness/runner/src/launch.ts";
import { clockTicksPerSec, startSampler, type RawReading } from "../../../harness/runner/src/sample.ts";
import { parseDurationMs } from "./cli-args.ts";
import { runLoad } from "./run.ts";
import type { LoadOptions, LoadResult } from "./types.ts";

/** Core of the servers and of the clients. */
export const SERVER_CPUS = "0";
export const CLIENT_CPUS = "1";
/** Server-bound: the client core at most this busy while the server core is at least SERVER_BUSY_MIN. */
export const CLIENT_UTIL_MAX = 0.85;
export const SERVER_BUSY_MIN = 0.95;
/** Frame driver efficiency goal: echoed messages per client CPU-second at 64 B. */
export const EFFICIENCY_GOAL = 3_000_000;
/** Offered rate of the frame-vs-ws agreement check, and the allowed relative difference. */
export const AGREEMENT_RATE = 20_000;
export const AGREEMENT_TOLERANCE = 0.05;

interface ServerUse {
  /** Server process user+system CPU over the window, fraction of one core. */
  processCpu: number;
  /** Busy fraction of the server's core (all processes, softirq included). */
  coreBusy: number;
}

function usage(readings: readonly RawReading[], startMs: number, endMs: number): ServerUse | null {
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
  const ca = a.cores[0];
  const cb = b.cores[0];
  return {
    processCpu: (b.cpuTicks - a.cpuTicks) / clockTicksPerSec() / sec,
    coreBusy: ca && cb && cb.total > ca.total ? (cb.busy - ca.busy) / (cb.total - ca.total) : 0,
  };
}

async function measure(server: LaunchedServer, o: Partial<LoadOptions>): Promise<{ r: LoadResult; s: ServerUse | null }> {
  const sampler = startSampler(server.pid, [Number(SERVER_CPUS)]);
  const r = await runLoad({ url: server.wsUrl, clientCpus: CLIENT_CPUS, ...o });
  const readings = sampler.stop();
  return { r, s: usage(readings, r.windowStartMs, r.windowEndMs) };
}

const pct = (x: number | undefined): string => (x === undefined ? "  n/a" : `${(x * 100).toFixed(1).padStart(5)}%`);
const int = (x: number): string => Math.round(x).toLocaleString("en-US");

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { stacks: { type: "string" }, duration: { type: "string" }, json: { type: "boolean" }, connections: { type: "string" }, window: { type: "string" } },
  });
  const durationMs = values.duration ? parseDurationMs("duration", values.duration) : 3000;
  const connections = Number(values.connections ?? 64);
  const window = Number(values.window ?? 32);
  const all = discoverStacks();
  const wanted = values.stacks ? values.stacks.split(",") : ["uws", "bun", "ws", "deno", "fastify-websocket", "socket-io"];
  const stacks = all.filter((s) => wanted.includes(s.id) && s.runnable);
  const skipped = wanted.filter((id) => !stacks.some((s) => s.id === id));
  if (skipped.length) console.error(`skipping (not present or not runnable): ${skipped.join(", ")}`);
  const report: Record<string, unknown>[] = [];
  console.error(`frame driver, echo ${connections}×${window}, 64 B binary, ${durationMs} ms window; server on cpu ${SERVER_CPUS}, client on cpu ${CLIENT_CPUS}`);
  console.error("stack              msgs/s   client cpu  server proc  server core  msgs/client-cpu-s  p50 µs   p99 µs  lost  verdict");
  for (const st of stacks) {
    const server = await launchServer(st, { cpus: SERVER_CPUS });
    try {
      const protocol = st.manifest.protocol;
      const { r, s } = await measure(server, { driver: "frame", mode: "echo", protocol, connections, window, size: 64, binary: true, durationMs, warmupMs: 1000 });
      const serverBound = r.clientCpu.utilisation <= CLIENT_UTIL_MAX && (s?.coreBusy ?? 0) >= SERVER_BUSY_MIN;
      const verdict = serverBound ? "server-bound" : r.clientCpu.utilisation > CLIENT_UTIL_MAX ? "CLIENT-BOUND" : "server core not saturated";
      console.error(
        `${st.id.padEnd(16)} ${int(r.msgsPerSec).padStart(10)}  ${pct(r.clientCpu.utilisation)}      ${pct(s?.processCpu)}       ${pct(s?.coreBusy)}   ${int(r.msgsPerClientCpuSec).padStart(14)}  ${int(r.latency?.p50Us ?? 0).padStart(7)}  ${int(r.latency?.p99Us ?? 0).padStart(7)}  ${String(r.integrity.lost).padStart(4)}  ${verdict}`,
      );
      if (r.errors.length) console.error(`  errors: ${r.errors.slice(0, 3).join("; ")}`);
      report.push({ check: "saturation", stack: st.id, msgsPerSec: r.msgsPerSec, clientUtilisation: r.clientCpu.utilisation, serverProcessCpu: s?.processCpu ?? null, serverCoreBusy: s?.coreBusy ?? null, msgsPerClientCpuSec: r.msgsPerClientCpuSec, serverBound, integrity: r.integrity, latency: r.latency });
    } finally {
      await server.stop();
    }
  }
  const wsStack = all.find((s) => s.id === "ws" && s.runnable);
  if (wsStack && (!values.stacks || wanted.includes("ws"))) {
    const server = await launchServer(wsStack, { cpus: SERVER_CPUS });
    try {
      const common: Partial<LoadOptions> = { mode: "echo-open", connections: 16, rate: AGREEMENT_RATE, size: 64, binary: true, durationMs, warmupMs: 1000 };
      const f = (await measure(server, { ...common, driver: "frame" })).r;
      const w = (await measure(server, { ...common, driver: "ws" })).r;
      const dT = Math.abs(f.msgsPerSec - w.msgsPerSec) / w.msgsPerSec;
      const dP = Math.abs((f.latency?.p50Us ?? 0) - (w.latency?.p50Us ?? 0)) / Math.max(1, w.latency?.p50Us ?? 1);
      console.error(`\nagreement at ${int(AGREEMENT_RATE)} msgs/s offered against ws (16 connections, open loop, 64 B):`);
      console.error(`  frame: ${int(f.msgsPerSec)} msgs/s, p50 ${f.latency?.p50Us} µs, p99 ${f.latency?.p99Us} µs, client cpu ${pct(f.clientCpu.utilisation)}, lost ${f.integrity.lost}`);
      console.error(`  ws:    ${int(w.msgsPerSec)} msgs/s, p50 ${w.latency?.p50Us} µs, p99 ${w.latency?.p99Us} µs, client cpu ${pct(w.clientCpu.utilisation)}, lost ${w.integrity.lost}`);
      console.error(`  throughput differs by ${(dT * 100).toFixed(2)}%, p50 by ${(dP * 100).toFixed(2)}% → ${dT <= AGREEMENT_TOLERANCE && dP <= AGREEMENT_TOLERANCE ? "AGREE" : "DISAGREE"} (tolerance ${AGREEMENT_TOLERANCE * 100}%)`);
      report.push({ check: "agreement", frame: { msgsPerSec: f.msgsPerSec, latency: f.latency }, ws: { msgsPerSec: w.msgsPerSec, latency: w.latency }, throughputDiff: dT, p50Diff: dP, agree: dT <= AGREEMENT_TOLERANCE && dP <= AGREEMENT_TOLERANCE });
    } finally {
      await server.stop();
    }
  }
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
}

main()
  .catch((e: unknown) => {
    console.error(`bench:loadgen: ${(e as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => killAllServers());
