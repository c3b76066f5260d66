// @wsarena/stats: Pure statistics: intervals, ratio tests (pairwise with a pooled variance and Holm's control), outliers, slopes, the seeded PRNG and HDR latency histograms.
export * from "./hdr.ts";
export * from "./pooled.ts";
export * from "./prng.ts";
export * from "./slope.ts";
export * from "./stats.ts";
