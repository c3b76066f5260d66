// SYNTHETIC result sets for tests: schema-valid, deterministic (seeded), with made-up numbers that are never reported
// as measurements. Used where a test needs a controlled difference (a 20% regression, a 1% wobble) that a real run can't give.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as hdr from "hdr-histogram-js";
import {
  SCHEMA_VERSION,
  measurementFileName,
  measurementSchema,
  unionFlags,
  varianceFlags,
  runSchema,
  type MeasurementRecord,
  type RepetitionRecord,
  type HistogramRecord,
  type RunRecord,
  type ValidityFlag,
} from "@wsarena/results";
import { prng, summarizeSample } from "@wsarena/stats";

/** Options of a synthetic set; never mutated. */
export interface SyntheticOptions {
  runId: string;
  seed: number;
  reps: number;
  stacks: string[];
  /** Throughput multiplier per stack (1 = baseline); latency scales inversely. */
  speed: Record<string, number>;
  /** Relative rep-to-rep noise (standard deviation), e.g. 0.02. */
  noise: number;
  /** Machine CPU model (to test machine-mismatch warnings). */
  cpuModel: string;
  serverCpus: string | null;
  /**
   * Record a platform floor (hiccup probe on cpu 0 and 1) and the client's scheduler lag in every latency window, and
   * mark percentiles within 2× of the floor's (the runner's at-floor rule). False gives a set like a migrated v1 one.
   */
  floor: boolean;
  /** Added to the floor's median lateness, µs (a noisier machine). */
  floorExtraUs: number;
  /** The scenarios the set keeps (a part of a reference run); every one is generated first, so the figures do not depend on it. */
  scenarios: readonly SyntheticScenario[];
}

/** The scenarios a synthetic set can hold, in run order. */
export const SYNTHETIC_SCENARIOS = ["echo-throughput", "echo-latency", "connections"] as const;
export type SyntheticScenario = (typeof SYNTHETIC_SCENARIOS)[number];

export const SYNTHETIC_DEFAULTS: Readonly<SyntheticOptions> = Object.freeze({
  runId: "synthetic-a",
  seed: 1,
  reps: 5,
  stacks: ["bun", "uws", "ws"],
  speed: { uws: 1, bun: 1.6, ws: 0.12 },
  noise: 0.02,
  cpuModel: "Synthetic CPU @ 3.0GHz",
  serverCpus: "0",
  floor: true,
  floorExtraUs: 0,
  scenarios: SYNTHETIC_SCENARIOS,
});

/** Floor probe sleep interval of the synthetic sets, µs. */
export const SYNTHETIC_FLOOR_INTERVAL_US = 1000;
/** Median wake-up lateness of the synthetic floor and its log-normal spread: p99 ≈ 400 µs, p99.9 ≈ 750 µs, the order of an idle VM's. */
const FLOOR_MEDIAN_US = 60;
const FLOOR_SPREAD = 0.8;
/** Scheduler lag of the synthetic open-loop sender: median 15 µs, p99 ≈ 100 µs. */
const LAG_MEDIAN_US = 15;
const LAG_SPREAD = 0.8;
/** A percentile within this multiple of the floor's is at the floor (the runner's rule). */
const AT_FLOOR_FACTOR = 2;
const PERCENTILES = ["p50Us", "p90Us", "p99Us", "p999Us", "maxUs"] as const;

const BASE_MSGS_PER_SEC: Record<string, number> = { "64B": 1_000_000, "1024B": 600_000 };
const RATES = [1000, 10_000, 50_000];

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function histogramOf(rand: () => number, medianUs: number, spread: number, count: number): { encoded: string; h: hdr.Histogram } {
  const h = hdr.build({
    bitBucketSize: 32,
    useWebAssembly: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (let i = 0; i < count; i++) h.recordValue(Math.max(1, Math.round(medianUs * Math.exp(spread * gauss(rand)))));
  return { encoded: hdr.encodeIntoCompressedBase64(h), h };
}

function histogramRecord(rand: () => number, medianUs: number, spread: number, count: number): HistogramRecord {
  const { encoded, h } = histogramOf(rand, medianUs, spread, count);
  const summary = {
    count: h.totalCount,
    minUs: h.minNonZeroValue,
    meanUs: h.mean,
    p50Us: h.getValueAtPercentile(50),
    p90Us: h.getValueAtPercentile(90),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    maxUs: h.maxValue,
  };
  h.destroy();
  return { summary, histogram: encoded };
}

/** Floor records, scheduler lag and at-floor percentiles of a latency window (own PRNG: the main sequence stays as it was). */
function floorOf(
  rand: () => number,
  lat: NonNullable<RepetitionRecord["latency"]>,
  extraUs: number,
): Pick<RepetitionRecord, "floor" | "schedulerLag" | "atFloor" | "stealPct" | "quietGate"> {
  const floor = [0, 1].map((cpu) => ({
    cpu,
    role: cpu === 0 ? ("server" as const) : ("client" as const),
    intervalUs: SYNTHETIC_FLOOR_INTERVAL_US,
    lateness: histogramRecord(rand, FLOOR_MEDIAN_US + extraUs, FLOOR_SPREAD, 5000),
    probeCpuPct: 0.4,
  }));
  const atFloor = PERCENTILES.filter((k) => lat[k] <= AT_FLOOR_FACTOR * Math.max(...floor.map((f) => f.lateness.summary[k])));
  return {
    floor,
    schedulerLag: histogramRecord(rand, LAG_MEDIAN_US, LAG_SPREAD, 5000),
    atFloor,
    stealPct: 0,
    quietGate: { ok: true, attempts: 1, waitedMs: 0, reasons: [] },
  };
}

function rep(
  rand: () => number,
  i: number,
  msgsPerSec: number,
  latency: { medianUs: number; spread: number } | null,
  extra: Partial<RepetitionRecord>,
  rssEndBytes: number,
): RepetitionRecord {
  const durationMs = 5000;
  let lat: RepetitionRecord["latency"] = null;
  let histogram: string | null = null;
  if (latency) {
    const { encoded, h } = histogramOf(rand, latency.medianUs, latency.spread, 20_000);
    histogram = encoded;
    lat = {
      count: h.totalCount,
      minUs: h.minNonZeroValue,
      meanUs: h.mean,
      p50Us: h.getValueAtPercentile(50),
      p90Us: h.getValueAtPercentile(90),
      p99Us: h.getValueAtPercentile(99),
      p999Us: h.getValueAtPercentile(99.9),
      maxUs: h.maxValue,
    };
    h.destroy();
  }
  const cpuPct = Math.min(100, 60 + 40 * rand());
  const samples = Array.from({ length: 11 }, (_, k) => ({
    tMs: k * 500,
    cpuPct: Math.min(100, cpuPct + 5 * gauss(rand)),
    rssBytes: Math.round(rssEndBytes * (0.9 + 0.01 * k)),
    coreBusyPct: [cpuPct],
  }));
  return {
    rep: i,
    serverPid: 1000 + i,
    windowStartMs: 1_790_000_000_000 + i * 10_000,
    windowEndMs: 1_790_000_000_000 + i * 10_000 + durationMs,
    durationMs,
    msgsPerSec,
    bytesPerSec: msgsPerSec * 64,
    sentPerSec: msgsPerSec,
    latency: lat,
    histogram,
    integrity: { sent: msgsPerSec * 5, received: msgsPerSec * 5, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
    connect: { attempted: 10, succeeded: 10, failed: 0, perSec: 5000, p50Us: 300, p90Us: 500, p99Us: 800, maxUs: 900, errors: [] },
    clientCpu: { cpus: "1", workers: 1, cpuSeconds: 4, utilisation: 0.8, perWorkerCpuSeconds: [4] },
    server: {
      intervalMs: 500,
      sampleCount: 11,
      cpuPct,
      cpuPctMax: cpuPct + 5,
      coreBusyPct: cpuPct,
      rssBytesStart: Math.round(rssEndBytes * 0.9),
      rssBytesEnd: rssEndBytes,
      rssBytesMax: rssEndBytes,
      samples,
    },
    ...QUIET_REPETITION_FIELDS,
    ...extra,
  };
}

/** The fields of a repetition that a synthetic one leaves at rest: no /stats, no floor, no errors, postcondition held. */
export const QUIET_REPETITION_FIELDS = {
  statsBefore: null,
  statsAfter: null,
  rssPerConnectionBytes: null,
  errors: [],
  closeCodes: {},
  postcondition: { ok: true, failures: [] },
  flags: [],
  schedulerLag: null,
  floor: [],
  stealPct: null,
  quietGate: null,
  atFloor: [],
  outlier: "normal",
} satisfies Partial<RepetitionRecord>;

function summary(metric: string, unit: string, better: "higher" | "lower", values: number[]) {
  return { metric, unit, better, ...summarizeSample(values) };
}

type Rand = () => number;

/** The fields every synthetic measurement of `stack` × `scenario` shares. */
function commonOf(o: SyntheticOptions, stack: string, scenario: string) {
  return {
    schemaVersion: SCHEMA_VERSION as typeof SCHEMA_VERSION,
    runId: o.runId,
    stack,
    displayName: `${stack} (synthetic)`,
    version: "0.0.0-synthetic",
    runtime: stack === "bun" ? ("bun" as const) : ("node" as const),
    protocol: "ws" as const,
    approach: "idiomatic" as const,
    scenario,
    driver: "frame",
    profile: "synthetic",
    partial: false,
    startedAt: "2026-11-23T00:00:00.000Z",
    updatedAt: "2026-11-23T00:00:00.000Z",
  };
}

/** echo-throughput: closed loop, headline msgs/s. */
function throughputMeasurement(o: SyntheticOptions, rand: Rand, stack: string): MeasurementRecord {
  const speed = o.speed[stack] ?? 1;
  const points = Object.entries(BASE_MSGS_PER_SEC).map(([key, base]) => {
    const repFlags: ValidityFlag[] = stack === "ws" && key === "64B" ? ["client-bound"] : [];
    const reps = Array.from({ length: o.reps }, (_, i) =>
      rep(rand, i, base * speed * (1 + o.noise * gauss(rand)), { medianUs: 200 / speed, spread: 0.4 }, { flags: repFlags }, 60e6),
    );
    const values = reps.map((r) => r.msgsPerSec);
    const flags = unionFlags(repFlags, varianceFlags(values));
    const summ = summary("msgsPerSec", "msg/s", "higher", values);
    return { key, params: { size: Number.parseInt(key, 10), binary: true }, reps, summary: summ, flags, stop: "fixed" as const };
  });
  const flags = [...new Set(points.flatMap((p) => p.flags))];
  return { ...commonOf(o, stack, "echo-throughput"), params: { connections: 16, window: 32 }, status: "ok", flags, points };
}

/** echo-latency: open loop over offered rates, headline p99; the knee sits at capacity ≈ 60k × speed. */
function latencyMeasurement(o: SyntheticOptions, rand: Rand, floorRand: Rand, stack: string): MeasurementRecord {
  const speed = o.speed[stack] ?? 1;
  const capacity = 60_000 * speed;
  const points = RATES.map((rate) => {
    const load = rate / capacity;
    const medianUs = (80 / speed) * (load < 0.8 ? 1 : 1 + 40 * (load - 0.8));
    const achieved = Math.min(rate, capacity);
    const reps = Array.from({ length: o.reps }, (_, i) => {
      const sent = achieved * (1 + 0.001 * gauss(rand)); // drawn before the median below: the PRNG order fixes the set
      const r = rep(rand, i, sent, { medianUs: medianUs * (1 + o.noise * gauss(rand)), spread: load < 0.8 ? 0.5 : 1.0 }, {}, 70e6);
      if (!o.floor) return r;
      const f = floorOf(floorRand, r.latency!, o.floorExtraUs);
      return { ...r, ...f, flags: f.atFloor.includes("p99Us") ? (["at-floor"] as ValidityFlag[]) : [] };
    });
    const p99s = reps.map((r) => r.latency!.p99Us);
    const flags = unionFlags(...reps.map((r) => r.flags), varianceFlags(p99s));
    return { key: `${rate}/s`, params: { rate, size: 64 }, reps, summary: summary("p99Us", "µs", "lower", p99s), flags, stop: "fixed" as const };
  });
  const flags = [...new Set(points.flatMap((p) => p.flags))];
  return { ...commonOf(o, stack, "echo-latency"), params: { connections: 16 }, status: "ok", flags, points };
}

/**
 * connections: idle connections held; bun's repetitions run on one server process whose RSS grows every repetition (a
 * leak hint the findings must catch), uws's RSS rises the same way over a fresh server per repetition (chance, not a leak).
 */
function connectionsMeasurement(o: SyntheticOptions, rand: Rand, stack: string): MeasurementRecord {
  const reps = Array.from({ length: o.reps }, (_, i) => {
    const extra = { rssPerConnectionBytes: (stack === "ws" ? 9000 : 3500) * (1 + o.noise * gauss(rand)) };
    const rising = stack === "bun" || stack === "uws";
    const r = rep(rand, i, 0, null, extra, rising ? 80e6 * (1 + 0.15 * i) : 80e6 * (1 + 0.002 * gauss(rand)));
    return stack === "bun" ? { ...r, serverPid: 4242 } : r;
  });
  const summ = summary(
    "connectPerSec",
    "conn/s",
    "higher",
    reps.map((r) => r.connect.perSec),
  );
  const point = { key: "1000conns", params: { connections: 1000 }, reps, summary: summ, flags: [], stop: "fixed" as const };
  return { ...commonOf(o, stack, "connections"), params: { holdMs: 2000 }, status: "ok", flags: [], points: [point] };
}

/** The run record of a synthetic set listing `measurements`. */
function runRecord(o: SyntheticOptions, measurements: MeasurementRecord[]): RunRecord {
  return {
    schemaVersion: SCHEMA_VERSION as typeof SCHEMA_VERSION,
    runId: o.runId,
    startedAt: "2026-11-23T00:00:00.000Z",
    finishedAt: "2026-11-23T00:10:00.000Z",
    status: "complete",
    git: { commit: "0000000000000000000000000000000000000000", dirty: false },
    machine: {
      hostname: "synthetic",
      cpuModel: o.cpuModel,
      cores: 2,
      memoryBytes: 24 * 2 ** 30,
      kernel: "6.1.0-synthetic",
      platform: "linux x64",
      governor: null,
    },
    runtimes: { node: "20.20.0", bun: "1.4.5", deno: null },
    clientPackages: { ws: "8.23.0" },
    stacks: [...o.stacks, "socket-io"].map((id) => ({
      id,
      displayName: `${id} (synthetic)`,
      runtime: id === "bun" ? "bun" : "node",
      protocol: "ws",
      approach: "idiomatic",
      version: "0.0.0-synthetic",
      packages: {},
      verification: null,
    })),
    pinning: { serverCpus: o.serverCpus, clientCpus: o.serverCpus === null ? null : "1" },
    config: {
      profile: "synthetic",
      reps: o.reps,
      stacks: o.stacks,
      scenarios: SYNTHETIC_SCENARIOS.filter((s) => o.scenarios.includes(s)),
      scenarioParams: {},
      verifyLevel: "none",
      repetitions: { minReps: o.reps, maxReps: o.reps, targetCiHalfWidthRel: 0, budgetMs: null },
    },
    measurements: measurements.map((m) => measurementFileName(m.stack, m.scenario)),
    timing: null,
  };
}

/** Builds a synthetic result set in memory (validated against the runner's schema). */
export function syntheticResultSet(opts: Partial<SyntheticOptions> = {}): { run: RunRecord; measurements: MeasurementRecord[] } {
  const o: SyntheticOptions = { ...SYNTHETIC_DEFAULTS, ...opts };
  const rand = prng(o.seed);
  const floorRand = prng(o.seed + 7919);
  const measurements: MeasurementRecord[] = [];
  for (const stack of o.stacks) {
    measurements.push(throughputMeasurement(o, rand, stack), latencyMeasurement(o, rand, floorRand, stack), connectionsMeasurement(o, rand, stack));
  }
  const skipped = { status: "skipped" as const, reason: "synthetic: stack not in this set", flags: [], points: [], startedAt: null };
  measurements.push({ ...commonOf(o, "socket-io", "echo-throughput"), params: {}, ...skipped });
  const kept = measurements.filter((m) => (o.scenarios as readonly string[]).includes(m.scenario));
  return { run: runSchema.parse(runRecord(o, kept)), measurements: kept.map((m) => measurementSchema.parse(m)) };
}

/** Writes a synthetic result set to `dir` (run.json + one file per measurement) and returns `dir`. */
export function writeSyntheticResultSet(dir: string, opts: Partial<SyntheticOptions> = {}): string {
  const set = syntheticResultSet(opts);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "run.json"), `${JSON.stringify(set.run, null, 1)}\n`);
  for (const m of set.measurements) writeFileSync(join(dir, measurementFileName(m.stack, m.scenario)), `${JSON.stringify(m)}\n`);
  return dir;
}
