// `pnpm bench:loadgen --sections shape`: the open-loop echo with each load shape (one-per-write, pipelined) at the same
// offered rates, alternating shapes within each repetition: echo percentiles, scheduler lag, client and server CPU per message.
import { LOAD_SHAPES, runLoad, type LoadResult, type LoadShape } from "@wsarena/loadgen";
import { exactSpan, startSampler, type ExactReading } from "@wsarena/host";
import { launchServer, type DiscoveredStack } from "@wsarena/stacks";

/** Offered rates per stack (up to about half of each stack's capacity on the reference machine); others get DEFAULT_SHAPE_RATES. */
export const SHAPE_RATES: Readonly<Record<string, readonly number[]>> = { ws: [1_000, 10_000, 50_000] };
export const DEFAULT_SHAPE_RATES: readonly number[] = [1_000, 10_000, 50_000, 100_000];
/** Window and warm-up of each measurement. */
export const SHAPE_DURATION_MS = 2_000;
export const SHAPE_WARMUP_MS = 500;
/** Connections of a point: the echo-latency ladder's (10k msg/s each, at least 4). */
export const SHAPE_RATE_PER_CONNECTION = 10_000;
export const SHAPE_MIN_CONNECTIONS = 4;

/** One measurement of a (stack, rate, shape, repetition). */
export interface ShapeFigure {
  stack: string;
  rate: number;
  shape: LoadShape;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  lagP50Us: number;
  lagP99Us: number;
  /** Client CPU µs per message sent (the workers' user + system time over the window). */
  clientUsPerMsg: number;
  /** Server process CPU µs per echoed message (its threads' run time over the window), NaN when not sampled. */
  serverUsPerMsg: number;
  msgsPerSec: number;
}

async function measureShape(
  stack: DiscoveredStack,
  url: string,
  pid: number,
  rate: number,
  shape: LoadShape,
  cpus: { server: string; client: string },
): Promise<LoadResult & { serverCpuSec: number }> {
  const sampler = startSampler(pid, [Number(cpus.server), Number(cpus.client)]);
  const connections = Math.max(SHAPE_MIN_CONNECTIONS, Math.ceil(rate / SHAPE_RATE_PER_CONNECTION));
  const r = await runLoad({
    url,
    clientCpus: cpus.client,
    driver: "frame",
    protocol: stack.manifest.protocol,
    mode: "echo-open",
    shape,
    connections,
    rate,
    size: 64,
    binary: false,
    durationMs: SHAPE_DURATION_MS,
    warmupMs: SHAPE_WARMUP_MS,
  });
  const exact = sampler.stop().flatMap((x) => (x.exact ? [x.exact] : ([] as ExactReading[])));
  const span = exactSpan(exact, r.windowStartMs, r.windowEndMs);
  // Server CPU seconds over the window: the scheduler's run time of its threads, scaled from the span to the window.
  const serverCpuSec = span ? ((span[1].processCpuNs - span[0].processCpuNs) / 1e9) * (r.durationMs / (span[1].atMs - span[0].atMs)) : Number.NaN;
  return { ...r, serverCpuSec };
}

const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

/** Runs the shape comparison and prints one line per measurement, then medians per (stack, rate, shape). */
export async function shapeSection(
  stacks: readonly DiscoveredStack[],
  reps: number,
  cpus: { server: string; client: string },
  report: Record<string, unknown>[],
): Promise<void> {
  console.error(
    `\n== load shape (echo-open 64 B text, ${SHAPE_DURATION_MS} ms window, ${reps} reps, shapes alternating; server on cpu ${cpus.server}, client on cpu ${cpus.client})`,
  );
  console.error("stack  rate/s  shape           echo p50 / p90 / p99 µs   lag p50/p99 µs   client µs/msg  server µs/msg");
  const figs: ShapeFigure[] = [];
  for (const st of stacks) {
    const server = await launchServer(st, { cpus: cpus.server });
    try {
      for (let rep = 0; rep < reps; rep++) {
        for (const rate of SHAPE_RATES[st.id] ?? DEFAULT_SHAPE_RATES) {
          // Alternating order across repetitions, so a drift of the machine does not favour one shape.
          const order = rep % 2 === 0 ? LOAD_SHAPES : [...LOAD_SHAPES].reverse();
          for (const shape of order) {
            const r = await measureShape(st, server.wsUrl, server.pid, rate, shape, cpus);
            const sent = r.sentPerSec * (r.durationMs / 1000);
            const echoed = r.msgsPerSec * (r.durationMs / 1000);
            const f: ShapeFigure = {
              stack: st.id,
              rate,
              shape,
              p50Us: r.latency?.p50Us ?? Number.NaN,
              p90Us: r.latency?.p90Us ?? Number.NaN,
              p99Us: r.latency?.p99Us ?? Number.NaN,
              lagP50Us: r.schedulerLagUs?.p50Us ?? Number.NaN,
              lagP99Us: r.schedulerLagUs?.p99Us ?? Number.NaN,
              clientUsPerMsg: sent > 0 ? (r.clientCpu.cpuSeconds * 1e6) / sent : Number.NaN,
              serverUsPerMsg: echoed > 0 ? (r.serverCpuSec * 1e6) / echoed : Number.NaN,
              msgsPerSec: r.msgsPerSec,
            };
            figs.push(f);
            console.error(
              `${st.id.padEnd(5)} ${int(rate).padStart(8)}  ${shape.padEnd(14)} ${int(f.p50Us).padStart(7)} / ${int(f.p90Us).padStart(5)} / ${int(f.p99Us).padStart(6)}   ${int(f.lagP50Us).padStart(5)} / ${int(f.lagP99Us).padEnd(6)}   ${f2(f.clientUsPerMsg).padStart(10)}  ${f2(f.serverUsPerMsg).padStart(12)}${r.errors.length ? `  errors: ${r.errors.slice(0, 2).join("; ")}` : ""}`,
            );
          }
        }
      }
    } finally {
      await server.stop();
    }
  }
  report.push({ check: "load-shape", figures: figs });
  console.error(`\nload shape, medians of ${reps} rep${reps > 1 ? "s" : ""} (pipelined → one-per-write):`);
  for (const st of stacks) {
    for (const rate of SHAPE_RATES[st.id] ?? DEFAULT_SHAPE_RATES) {
      const m = (shape: LoadShape, k: keyof ShapeFigure): number =>
        med(figs.filter((f) => f.stack === st.id && f.rate === rate && f.shape === shape).map((f) => f[k] as number));
      const pair = (k: keyof ShapeFigure, fmt: (x: number) => string): string => `${fmt(m("pipelined", k))} → ${fmt(m("one-per-write", k))}`;
      console.error(
        `  ${st.id.padEnd(5)} ${int(rate).padStart(8)}/s: p50 ${pair("p50Us", int)} µs, p90 ${pair("p90Us", int)} µs, p99 ${pair("p99Us", int)} µs, client ${pair("clientUsPerMsg", f2)} µs/msg, server ${pair("serverUsPerMsg", f2)} µs/msg`,
      );
    }
  }
}
