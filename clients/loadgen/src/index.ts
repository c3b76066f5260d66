// @wsarena/loadgen: runLoad (the typed library API used by the harness), option defaults, histogram helpers, formatting.
export * from "./types.ts";
export * from "./options.ts";
export { LOAD_SHAPES } from "@wsarena/driver-kit";
export { runLoad, runLoadGroup, planTasks, split } from "./run-load.ts";
export { formatResult } from "./format.ts";
