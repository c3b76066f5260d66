// Public API of the wsarena runner.
export * from "./manifest.ts";
export * from "./discover.ts";
export * from "./launch.ts";
export * from "./results/schema.ts";
export * from "./results/io.ts";
export * from "./flags.ts";
