// Load option defaults shared by scenario modules, so each module states only what it varies.
import type { LoadResult } from "@wsarena/loadgen";
import { type PointLoad, type Profile, PROFILE_TIMING } from "./types.ts";

/** Topic used by pub/sub points. */
export const PUBSUB_TOPIC = "ticks";

/** Offered rate given to modes that ignore it (the load generator requires rate > 0). */
export const NEUTRAL_RATE = 1000;

/** A PointLoad with neutral values for the fields a mode ignores. */
export function baseLoad(profile: Profile, over: Partial<PointLoad> & Pick<PointLoad, "mode">): PointLoad {
  return {
    connections: 1,
    window: 1,
    rate: NEUTRAL_RATE,
    size: 64,
    binary: false,
    ...PROFILE_TIMING[profile],
    stream: { format: "json", rate: 0 },
    pubsub: { subscribers: 1, publishers: 1, topic: PUBSUB_TOPIC },
    holdMs: 0,
    sourceAddresses: 1,
    ...over,
  };
}

/** Human label of a byte size: 64 → "64B", 1024 → "1KiB", 16384 → "16KiB". */
export function sizeLabel(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024}KiB` : `${bytes}B`;
}

/** Human label of a rate: 1000 → "1k", 1500000 → "1.5M". */
export function rateLabel(perSec: number): string {
  if (perSec >= 1e6) return `${+(perSec / 1e6).toFixed(2)}M`;
  if (perSec >= 1e3) return `${+(perSec / 1e3).toFixed(2)}k`;
  return `${perSec}`;
}

/**
 * A LoadResult with nothing measured over [windowStartMs, windowEndMs], for scenarios that measure a window themselves
 * (Scenario.run) and fill in only what they observe. A scenario that drives load from its own process must fill
 * clientCpu too (e.g. process.cpuUsage() over the window): client-bound and client-loaded are computed from it.
 */
export function emptyLoadResult(load: PointLoad, windowStartMs: number, windowEndMs: number): LoadResult {
  return {
    driver: "frame",
    mode: load.mode,
    options: { ...load, url: "", protocol: "ws", driver: "frame", workers: 1, timeoutMs: 0 },
    windowStartMs,
    windowEndMs,
    durationMs: windowEndMs - windowStartMs,
    msgsPerSec: 0,
    bytesPerSec: 0,
    sentPerSec: 0,
    latency: null,
    histogram: null,
    integrity: { sent: 0, received: 0, lost: 0, duplicated: 0, reordered: 0, corrupted: 0 },
    connect: { attempted: 0, succeeded: 0, failed: 0, perSec: 0, p50Us: 0, p90Us: 0, p99Us: 0, maxUs: 0, errors: [] },
    clientCpu: { cpus: null, workers: 0, cpuSeconds: 0, utilisation: 0, perWorkerCpuSeconds: [] },
    msgsPerClientCpuSec: 0,
    errors: [],
    closeCodes: {},
  };
}
