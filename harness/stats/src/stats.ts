// Statistics over repetitions: means, Student/Welch t intervals and tests, ratio confidence intervals, outlier classes.
// Few repetitions (3–10) are the norm, so everything here is exact small-sample t, never a normal approximation.

/** Confidence level used everywhere in reports and comparisons. */
export const CONFIDENCE_LEVEL = 0.95;

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Geometric mean of positive values (NaN for an empty list). */
export function geoMean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += Math.log(x);
  return Math.exp(s / xs.length);
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function stdDev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Coefficient of variation (stdDev / mean), 0 when the mean is 0. */
export function coefficientOfVariation(xs: readonly number[]): number {
  const m = mean(xs);
  return m === 0 ? 0 : stdDev(xs) / Math.abs(m);
}

// Log-gamma (Lanczos) and the regularised incomplete beta function (continued fraction, Numerical Recipes §6.4).
function logGamma(x: number): number {
  // biome-ignore lint/correctness/noPrecisionLoss: the published Lanczos coefficients; each literal is its nearest double
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5] as const;
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310007 * ser) / x);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-12) break;
  }
  return h;
}

function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (bt * betaContinuedFraction(a, b, x)) / a : 1 - (bt * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student t cumulative distribution function with (possibly fractional) degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, x);
  return t >= 0 ? 1 - tail : tail;
}

/** F distribution cumulative distribution function with (d1, d2) degrees of freedom; 0 for f ≤ 0. */
export function fDistCdf(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 0;
  if (f === Infinity) return 1;
  return incompleteBeta(d1 / 2, d2 / 2, (d1 * f) / (d1 * f + d2));
}

/** Student t quantile (inverse CDF) by bisection; p in (0, 1). */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e4;
  let hi = 1e4;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A two-sided confidence interval. */
export interface Interval {
  low: number;
  high: number;
}

/** Student t confidence interval of the mean; degenerate (mean, mean) for fewer than 2 values. */
export function meanInterval(xs: readonly number[], level = CONFIDENCE_LEVEL): Interval {
  const m = mean(xs);
  if (xs.length < 2) return { low: m, high: m };
  const half = studentTQuantile(1 - (1 - level) / 2, xs.length - 1) * (stdDev(xs) / Math.sqrt(xs.length));
  return { low: m - half, high: m + half };
}

/** Result of Welch's unequal-variance t-test of mean(b) − mean(a). */
export interface WelchResult {
  /** mean(b) − mean(a). */
  diff: number;
  /** Confidence interval of the difference. */
  interval: Interval;
  /** Welch–Satterthwaite degrees of freedom (Infinity when both samples have zero variance). */
  df: number;
  /** Two-sided p-value (1 when the test cannot be computed, 0 when both samples are constant and differ). */
  pValue: number;
}

/** Welch's t-test and CI for the difference of means of two independent samples (each needs ≥ 2 values). */
export function welch(a: readonly number[], b: readonly number[], level = CONFIDENCE_LEVEL): WelchResult {
  const diff = mean(b) - mean(a);
  if (a.length < 2 || b.length < 2) return { diff, interval: { low: -Infinity, high: Infinity }, df: NaN, pValue: 1 };
  const va = stdDev(a) ** 2 / a.length;
  const vb = stdDev(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    return { diff, interval: { low: diff, high: diff }, df: Infinity, pValue: diff === 0 ? 1 : 0 };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const t = diff / se;
  const pValue = 2 * (1 - studentTCdf(Math.abs(t), df));
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  return { diff, interval: { low: diff - half, high: diff + half }, df, pValue };
}

/** Ratio of b to a with a confidence interval and a significance test. */
export interface RatioEstimate {
  /** Ratio of geometric means, b / a (1.2 = b is 20% higher). */
  ratio: number;
  /** Confidence interval of the ratio. */
  interval: Interval;
  /** Two-sided p-value of Welch's t-test on the logs. */
  pValue: number;
  /** True when the interval excludes 1 (significant at the confidence level). */
  significant: boolean;
  /** Repetitions on each side. */
  nA: number;
  nB: number;
}

/**
 * Ratio b/a of two positive samples: Welch's t on log values, so the interval is that of the ratio of geometric
 * means. Chosen over Mann–Whitney U (with 3 vs 3 reps its smallest two-sided p is 0.1, it can never reject) and over
 * a bootstrap (3 values allow only 10 distinct resamples, so its interval is too narrow). Throughput and latency are
 * positive and their noise is multiplicative, which the log scale respects.
 */
export function ratioOfMeans(a: readonly number[], b: readonly number[], level = CONFIDENCE_LEVEL): RatioEstimate {
  const la = a.filter((x) => x > 0).map(Math.log);
  const lb = b.filter((x) => x > 0).map(Math.log);
  const w = welch(la, lb, level);
  const interval = { low: Math.exp(w.interval.low), high: Math.exp(w.interval.high) };
  return {
    ratio: Math.exp(w.diff),
    interval,
    pValue: w.pValue,
    significant: interval.low > 1 || interval.high < 1,
    nA: la.length,
    nB: lb.length,
  };
}

/** Median of a list (NaN for an empty list). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Linear-interpolated quantile (type 7, as R and numpy default) of a list; NaN for an empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}

/** Scale that makes the median absolute deviation estimate σ for normal data. */
export const MAD_TO_SIGMA = 1.4826;

/** Median absolute deviation from the median, scaled by MAD_TO_SIGMA (0 for fewer than 2 values). */
export function medianAbsoluteDeviation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = median(xs);
  return MAD_TO_SIGMA * median(xs.map((x) => Math.abs(x - m)));
}

/** Tukey fences: a value beyond 1.5 IQR outside the quartiles is a mild outlier, beyond 3 IQR a severe one (criterion.rs). */
export const TUKEY_MILD_IQR = 1.5;
export const TUKEY_SEVERE_IQR = 3;

/** Tukey class of one value among its repetitions. */
export type OutlierClass = "low-severe" | "low-mild" | "normal" | "high-mild" | "high-severe";

/**
 * Classifies each value by Tukey's fences around the quartiles of `xs` (same order as `xs`). With fewer than 4 values
 * the quartiles say nothing, so every value is "normal". Outliers are classified to be reported, never dropped.
 */
export function classifyOutliers(xs: readonly number[]): OutlierClass[] {
  if (xs.length < 4) return xs.map(() => "normal");
  const q1 = quantile(xs, 0.25);
  const q3 = quantile(xs, 0.75);
  const iqr = q3 - q1;
  return xs.map((x) => {
    if (x < q1 - TUKEY_SEVERE_IQR * iqr) return "low-severe";
    if (x < q1 - TUKEY_MILD_IQR * iqr) return "low-mild";
    if (x > q3 + TUKEY_SEVERE_IQR * iqr) return "high-severe";
    if (x > q3 + TUKEY_MILD_IQR * iqr) return "high-mild";
    return "normal";
  });
}

/** Counts of outlier classes (the "normal" class left out). */
export interface OutlierCounts {
  lowSevere: number;
  lowMild: number;
  highMild: number;
  highSevere: number;
}

/** Counts the non-normal classes. */
export function countOutliers(classes: readonly OutlierClass[]): OutlierCounts {
  const c: OutlierCounts = { lowSevere: 0, lowMild: 0, highMild: 0, highSevere: 0 };
  for (const k of classes) {
    if (k === "low-severe") c.lowSevere++;
    else if (k === "low-mild") c.lowMild++;
    else if (k === "high-mild") c.highMild++;
    else if (k === "high-severe") c.highSevere++;
  }
  return c;
}

/** Spread and location of a point's headline values across repetitions (the FigureSummary numbers). */
export interface SampleSummary {
  median: number;
  mean: number;
  stdev: number;
  cv: number;
  min: number;
  max: number;
  n: number;
  ci95Lo: number;
  ci95Hi: number;
  /** Half-width of the 95 % interval over |mean|; null with one value (no interval). */
  ciHalfWidthRel: number | null;
  mad: number;
  outliers: OutlierCounts;
}

/** Summary of `values` (non-empty): mean with its 95 % t interval, relative half-width, MAD and Tukey outlier counts. */
export function summarizeSample(values: readonly number[]): SampleSummary {
  const n = values.length;
  if (n === 0) throw new Error("summarizeSample() needs at least one value");
  const m = mean(values);
  const sd = stdDev(values);
  const ci = meanInterval(values);
  return {
    median: median(values),
    mean: m,
    stdev: sd,
    cv: m === 0 ? 0 : sd / Math.abs(m),
    min: Math.min(...values),
    max: Math.max(...values),
    n,
    ci95Lo: ci.low,
    ci95Hi: ci.high,
    ciHalfWidthRel: n < 2 ? null : m === 0 ? 0 : (ci.high - ci.low) / 2 / Math.abs(m),
    mad: medianAbsoluteDeviation(values),
    outliers: countOutliers(classifyOutliers(values)),
  };
}

/** Percentile of sorted values (nearest rank), or null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
