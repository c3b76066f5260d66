// Pairwise ratios of several samples at once: a pooled variance of log values borrows strength across the samples
// (df = N − k), a stack with a much wider spread is kept out of the pool, and Holm's step-down controls the family.
import { CONFIDENCE_LEVEL, fDistCdf, geoMean, studentTCdf, studentTQuantile, type RatioEstimate } from "./stats.ts";

/**
 * One-sided level of the test that keeps a sample out of the pool: its variance exceeds the pooled variance of the
 * others by the F distribution's (1 − this) quantile. Strict, so that only a spread far beyond the rest's is set apart.
 */
export const WIDE_VARIANCE_ALPHA = 0.01;

/** One sample's own figures on the log scale. */
export interface LogSampleStats {
  /** Values used (positive ones). */
  n: number;
  /** Mean of the log values. */
  mean: number;
  /** Sample variance of the log values (n − 1); NaN with one value. */
  variance: number;
}

/** A pooled variance of log values over several samples. */
export interface PooledVariance {
  /** Pooled within-sample variance Σ(n_i − 1)s_i² / df over the samples in the pool; NaN when df is 0. */
  variance: number;
  /** Degrees of freedom: values minus samples, over the samples in the pool. */
  df: number;
  /** Indices of samples kept out of the pool because their variance is far larger than the others' (WIDE_VARIANCE_ALPHA). */
  wide: number[];
  /** Each sample's own figures, in input order. */
  samples: LogSampleStats[];
}

/** Mean and variance of the logs of the positive values of one sample. */
export function logSampleStats(xs: readonly number[]): LogSampleStats {
  const ls = xs.filter((x) => x > 0).map(Math.log);
  const n = ls.length;
  const m = n ? ls.reduce((s, x) => s + x, 0) / n : NaN;
  const variance = n < 2 ? NaN : ls.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
  return { n, mean: m, variance };
}

/** Sum of squares and df of the samples at `idx` (samples with one value add nothing to either). */
function poolOf(stats: readonly LogSampleStats[], idx: readonly number[]): { variance: number; df: number } {
  let ss = 0;
  let df = 0;
  for (const i of idx) {
    const s = stats[i]!;
    if (s.n < 2) continue;
    ss += (s.n - 1) * s.variance;
    df += s.n - 1;
  }
  return { variance: df > 0 ? ss / df : NaN, df };
}

/**
 * Pooled variance of the log values of `samples` (one-way ANOVA's within mean square, df = N − k). Then, one sample
 * at a time, the sample whose variance exceeds the pool of the others the most is set apart while that excess is
 * significant (one-sided F-test at `wideAlpha`): one wild stack would otherwise widen every pair's interval.
 */
export function pooledLogVariance(samples: readonly (readonly number[])[], wideAlpha = WIDE_VARIANCE_ALPHA): PooledVariance {
  const stats = samples.map(logSampleStats);
  let pool = stats.map((_, i) => i);
  const wide: number[] = [];
  for (;;) {
    let worst = -1;
    let worstP = wideAlpha;
    for (const i of pool) {
      const s = stats[i]!;
      if (s.n < 2) continue;
      const rest = poolOf(
        stats,
        pool.filter((j) => j !== i),
      );
      if (rest.df < 1 || !(rest.variance > 0)) continue;
      const p = 1 - fDistCdf(s.variance / rest.variance, s.n - 1, rest.df);
      if (p < worstP) [worst, worstP] = [i, p];
    }
    if (worst < 0) break;
    wide.push(worst);
    pool = pool.filter((j) => j !== worst);
  }
  const { variance, df } = poolOf(stats, pool);
  return { variance, df, wide: wide.sort((a, b) => a - b), samples: stats };
}

/**
 * Holm–Bonferroni step-down: the significance level each test is held to so that the chance of any false rejection
 * in the family stays at most `alpha`. The r-th smallest p-value is held to alpha / (m − r + 1) until the first one
 * that fails; it and every later test are held to that failing step's level, so a test is rejected exactly when its
 * p-value is at most its level, and an interval at level 1 − (its level) excludes the null exactly then.
 */
export function holmLevels(pValues: readonly number[], alpha = 1 - CONFIDENCE_LEVEL): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const levels = new Array<number>(m).fill(alpha);
  let stopped: number | null = null;
  order.forEach(([p, i], r) => {
    const step = stopped ?? alpha / (m - r);
    if (stopped === null && !(p <= step)) stopped = step;
    levels[i] = stopped ?? step;
  });
  return levels;
}

/** Holm-adjusted p-values (monotone step-down, capped at 1), in input order. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], r) => {
    running = Math.max(running, Math.min(1, (m - r) * p));
    out[i] = running;
  });
  return out;
}

/** A ratio from pooledPairwiseRatios: interval at the Holm-adjusted level, p-value Holm-adjusted. */
export interface PooledRatioEstimate extends RatioEstimate {
  /** Degrees of freedom of the t quantile: the pool's (0 = no interval). */
  df: number;
  /** Confidence level of `interval` after Holm's step-down (≥ the family's level). */
  level: number;
  /** p-value of this pair alone, before Holm's adjustment (`pValue` is adjusted). */
  rawPValue: number;
}

/** Pairwise ratios of all samples with their pool. */
export interface PooledPairwise {
  pool: PooledVariance;
  /** ratios[i][j]: geometric mean of sample j over that of sample i (null on the diagonal). */
  ratios: (PooledRatioEstimate | null)[][];
}

/** The variance a sample's mean is judged with: the pool's, or its own where larger (always its own when set apart). */
function varianceUsed(pool: PooledVariance, i: number): number {
  const own = pool.samples[i]!.variance;
  if (pool.wide.includes(i)) return own;
  return Math.max(own, pool.variance);
}

/**
 * Every pairwise ratio of geometric means of positive samples, with intervals whose family-wise level is `level`.
 * Each pair's standard error on the log scale is √(v_i/n_i + v_j/n_j), where v is the pool's variance, or the
 * sample's own where that is larger: the pool is a floor, so a near-zero spread never decides a pair by itself, and a
 * sample set apart as wide keeps its own variance, which widens only its own pairs.
 * The t quantile takes the pool's df for every pair; Holm's step-down over the k(k − 1)/2 pairs sets each level.
 */
export function pooledPairwiseRatios(samples: readonly (readonly number[])[], level = CONFIDENCE_LEVEL): PooledPairwise {
  const pool = pooledLogVariance(samples);
  const k = samples.length;
  const gms = samples.map((xs) => geoMean(xs.filter((x) => x > 0)));
  const pairs: { i: number; j: number; diff: number; se: number; p: number }[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const si = pool.samples[i]!;
      const sj = pool.samples[j]!;
      const diff = sj.mean - si.mean;
      const se = pool.df > 0 ? Math.sqrt(varianceUsed(pool, i) / si.n + varianceUsed(pool, j) / sj.n) : NaN;
      let p = 1;
      if (se === 0) p = diff === 0 ? 1 : 0;
      else if (se > 0) p = 2 * (1 - studentTCdf(Math.abs(diff / se), pool.df));
      pairs.push({ i, j, diff, se, p });
    }
  }
  const alphas = holmLevels(
    pairs.map((q) => q.p),
    1 - level,
  );
  const adjusted = holmAdjust(pairs.map((q) => q.p));
  const ratios: (PooledRatioEstimate | null)[][] = samples.map(() => samples.map(() => null));
  pairs.forEach((q, r) => {
    const si = pool.samples[q.i]!;
    const sj = pool.samples[q.j]!;
    let low = 0;
    let high = Infinity;
    if (q.se === 0) [low, high] = [q.diff, q.diff].map(Math.exp) as [number, number];
    else if (q.se > 0) {
      const half = studentTQuantile(1 - alphas[r]! / 2, pool.df) * q.se;
      [low, high] = [Math.exp(q.diff - half), Math.exp(q.diff + half)];
    }
    const base = { pValue: adjusted[r]!, rawPValue: q.p, significant: low > 1 || high < 1, df: pool.df, level: 1 - alphas[r]! };
    ratios[q.i]![q.j] = { ...base, ratio: gms[q.j]! / gms[q.i]!, interval: { low, high }, nA: si.n, nB: sj.n };
    ratios[q.j]![q.i] = { ...base, ratio: gms[q.i]! / gms[q.j]!, interval: { low: 1 / high, high: 1 / low }, nA: sj.n, nB: si.n };
  });
  return { pool, ratios };
}
