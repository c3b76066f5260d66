// HDR histograms of latencies in µs: creation, encoding for transport between processes, merging, summaries.
import * as hdr from "hdr-histogram-js";

/** Highest latency recorded exactly: 60 s in µs (larger values are clamped to it). */
export const HIGHEST_TRACKABLE_US = 60_000_000;
/** Significant decimal digits of every histogram. */
export const SIGNIFICANT_DIGITS = 3;

export type Histogram = hdr.Histogram;

/** Latency percentiles of one histogram, in µs. */
export interface LatencySummary {
  /** Recorded values. */
  count: number;
  minUs: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** A new empty µs histogram. */
export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
}

/** Records `count` values of `us`, rounded and clamped into the trackable range. */
export function record(h: Histogram, us: number, count = 1): void {
  const v = us < 0 ? 0 : us > HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : Math.round(us);
  h.recordValueWithCount(v, count);
}

/** Compressed base64 encoding (hdr-histogram-js encodeIntoCompressedBase64). */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes and adds every encoded histogram into a new one. */
export function mergeHistograms(encoded: Iterable<string | null>): Histogram {
  const out = newHistogram();
  for (const e of encoded) if (e) out.add(hdr.decodeFromCompressedBase64(e, 32, false));
  return out;
}

/** Latency summary in µs, or null when nothing was recorded. */
export function summarize(h: Histogram): LatencySummary | null {
  if (h.totalCount === 0) return null;
  return {
    count: h.totalCount,
    minUs: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : Math.min(h.minNonZeroValue, h.getValueAtPercentile(0)),
    meanUs: Math.round(h.mean * 10) / 10,
    p50Us: h.getValueAtPercentile(50),
    p90Us: h.getValueAtPercentile(90),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    maxUs: h.maxValue,
  };
}
