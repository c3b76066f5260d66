// RSS trends: least-squares slope of a time series with a 95 % interval that accounts for autocorrelated samples, and
// the verdicts built on it (soak's suspected-leak, slow-consumer's bounded or growing RSS). Pure functions.
import { CONFIDENCE_LEVEL, studentTQuantile } from "./stats.ts";

/** Fewest samples a slope is fitted from; fewer give no verdict. */
export const MIN_SLOPE_SAMPLES = 8;

/**
 * A slow consumer's RSS counts as growing when its slope is significantly positive and at least this share of the byte
 * rate the slow consumers are offered: a server that buffers for them without bound keeps a large share of that rate,
 * one that drops or closes keeps none (GC heaps wander by far less).
 */
export const GROWING_SHARE_OF_OFFERED = 0.1;

/** One sample of a series: time (ms) and value. */
export interface TrendSample {
  tMs: number;
  value: number;
}

/** A least-squares line through a series with the 95 % interval of its slope. */
export interface SlopeFit {
  /** Samples fitted. */
  n: number;
  /** Slope, value units per second. */
  perSec: number;
  /** 95 % interval of the slope, value units per second (autocorrelation-adjusted). */
  ciLowPerSec: number;
  ciHighPerSec: number;
  /** Lag-1 autocorrelation of the residuals (clamped to [0, 0.95]): how much neighbouring samples repeat each other. */
  autocorrelation: number;
  /** Samples worth of independent information: n·(1−ρ)/(1+ρ). */
  effectiveN: number;
}

/**
 * Ordinary least squares of value on time; the interval uses Student's t with the standard error widened for lag-1
 * autocorrelated residuals (per-second RSS samples are not independent: a heap that grew stays grown), i.e. the
 * effective sample size n·(1−ρ)/(1+ρ). Null with fewer than MIN_SLOPE_SAMPLES samples or no time spread.
 */
export function fitSlope(samples: readonly TrendSample[], level = CONFIDENCE_LEVEL): SlopeFit | null {
  const n = samples.length;
  if (n < MIN_SLOPE_SAMPLES) return null;
  const xs = samples.map((s) => s.tMs / 1000);
  const ys = samples.map((s) => s.value);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const res = ys.map((y, i) => y - (my + slope * (xs[i]! - mx)));
  const sse = res.reduce((a, r) => a + r * r, 0);
  let num = 0;
  for (let i = 1; i < n; i++) num += res[i]! * res[i - 1]!;
  const rho = sse > 0 ? Math.min(0.95, Math.max(0, num / sse)) : 0;
  const effectiveN = (n * (1 - rho)) / (1 + rho);
  const df = Math.max(1, effectiveN - 2);
  // Residual variance on n−2 degrees of freedom, standard error inflated by n/effectiveN (the AR(1) variance factor).
  const se = Math.sqrt(sse / (n - 2) / sxx) * Math.sqrt(n / effectiveN);
  const t = studentTQuantile(1 - (1 - level) / 2, df);
  return { n, perSec: slope, ciLowPerSec: slope - t * se, ciHighPerSec: slope + t * se, autocorrelation: rho, effectiveN };
}

/** Samples within [startMs, endMs] (the measured window: after warm-up). */
export function samplesBetween(samples: readonly TrendSample[], startMs: number, endMs: number): TrendSample[] {
  return samples.filter((s) => s.tMs >= startMs && s.tMs <= endMs);
}

/** Soak verdict of an RSS series: the fit (bytes/s) and whether its interval lies above zero. */
export interface LeakVerdict {
  fit: SlopeFit | null;
  /** Slope in KiB per minute (NaN without a fit). */
  kibPerMin: number;
  /** True when the slope's 95 % interval lies entirely above zero. */
  suspectedLeak: boolean;
}

/** Bytes/s to KiB/min. */
export function bytesPerSecToKibPerMin(bytesPerSec: number): number {
  return (bytesPerSec * 60) / 1024;
}

/** Fits RSS (bytes) over the window and says whether it grows beyond noise (suspected-leak). */
export function leakVerdict(rss: readonly TrendSample[]): LeakVerdict {
  const fit = fitSlope(rss);
  return { fit, kibPerMin: fit ? bytesPerSecToKibPerMin(fit.perSec) : Number.NaN, suspectedLeak: fit !== null && fit.ciLowPerSec > 0 };
}

/**
 * Slow-consumer verdict: "growing" when the RSS slope is significantly positive and at least GROWING_SHARE_OF_OFFERED
 * of the bytes/s offered to the slow consumers, "bounded" otherwise, "unknown" without a fit.
 */
export function rssGrowth(fit: SlopeFit | null, offeredBytesPerSec: number): "growing" | "bounded" | "unknown" {
  if (!fit) return "unknown";
  return fit.ciLowPerSec > 0 && fit.perSec >= GROWING_SHARE_OF_OFFERED * offeredBytesPerSec ? "growing" : "bounded";
}
