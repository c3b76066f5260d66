// Decodes the runner's encoded HDR histograms, merges repetitions and samples full percentile curves from them.
import * as hdr from "hdr-histogram-js";

/** Points per decade of 1/(1−p) on a percentile curve. */
export const CURVE_POINTS_PER_DECADE = 20;

/** One point of a percentile curve. */
export interface PercentilePoint {
  /** Percentile in [0, 100). */
  percentile: number;
  /** log10(1 / (1 − p)): 0 = 0%, 1 = 90%, 2 = 99%, 3 = 99.9% (the HDR plot's x axis). */
  nines: number;
  /** Latency at that percentile in microseconds. */
  latencyUs: number;
}

/** Decodes and merges encoded histograms; null when none decode to any value. */
export function mergeEncoded(encoded: readonly string[]): hdr.Histogram | null {
  let merged: hdr.Histogram | null = null;
  for (const e of encoded) {
    const h = hdr.decodeFromCompressedBase64(e, 32, false);
    if (merged === null) merged = h;
    else {
      merged.add(h);
      h.destroy();
    }
  }
  if (merged && merged.totalCount === 0) {
    merged.destroy();
    return null;
  }
  return merged;
}

/**
 * Percentile curve of the merged histograms, from p0 up to the last percentile the sample count resolves
 * (1 − 1/count), plus the maximum; empty when there is no data.
 */
export function percentileCurve(encoded: readonly string[]): PercentilePoint[] {
  const h = mergeEncoded(encoded);
  if (!h) return [];
  try {
    const maxNines = Math.log10(h.totalCount);
    const points: PercentilePoint[] = [];
    const steps = Math.floor(maxNines * CURVE_POINTS_PER_DECADE);
    for (let i = 0; i <= steps; i++) {
      const nines = i / CURVE_POINTS_PER_DECADE;
      const percentile = 100 * (1 - 10 ** -nines);
      points.push({ percentile, nines, latencyUs: h.getValueAtPercentile(percentile) });
    }
    points.push({ percentile: 100 * (1 - 1 / h.totalCount), nines: maxNines, latencyUs: h.maxValue });
    return points;
  } finally {
    h.destroy();
  }
}

/** Merged percentiles (µs) at the usual points, or null when there is no data. */
export function mergedPercentiles(
  encoded: readonly string[],
): { p50Us: number; p90Us: number; p99Us: number; p999Us: number; maxUs: number; count: number } | null {
  const h = mergeEncoded(encoded);
  if (!h) return null;
  try {
    return {
      p50Us: h.getValueAtPercentile(50),
      p90Us: h.getValueAtPercentile(90),
      p99Us: h.getValueAtPercentile(99),
      p999Us: h.getValueAtPercentile(99.9),
      maxUs: h.maxValue,
      count: h.totalCount,
    };
  } finally {
    h.destroy();
  }
}
