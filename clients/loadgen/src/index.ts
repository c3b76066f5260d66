// @wsarena/loadgen: runLoad (the typed library API used by the harness), option defaults, histogram helpers, formatting.
export * from "./types.ts";
export * from "./options.ts";
export { runLoad, runLoadGroup, planTasks, split } from "./run-load.ts";
export { newHistogram, record, encode as encodeHistogram, merge as mergeHistograms, summarize, HIGHEST_TRACKABLE_US } from "./histogram.ts";
export { formatResult } from "./format.ts";
