// Public API of the wsarena runner.
export * from "./manifest.ts";
export * from "./discover.ts";
export * from "./launch.ts";
export * from "./results/schema.ts";
export * from "./results/io.ts";
export * from "./stats.ts";
export * from "./flags.ts";
export * from "./pin.ts";
export * from "./sample.ts";
export * from "./floor.ts";
export * from "./quiet.ts";
export * from "./procs.ts";
export * from "./env.ts";
export * from "./measure.ts";
export * from "./repetitions.ts";
export * from "./matrix.ts";
export * from "./scenarios/index.ts";
