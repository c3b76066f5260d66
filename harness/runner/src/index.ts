// Public API of the wsarena runner.
export * from "./manifest.ts";
export * from "./discover.ts";
export * from "./launch.ts";
