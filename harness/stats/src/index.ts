// @wsarena/stats: Pure statistics: intervals, ratio tests, outliers, slopes, the seeded PRNG and HDR latency histograms.
export * from "./hdr.ts";
export * from "./prng.ts";
export * from "./slope.ts";
export * from "./stats.ts";
