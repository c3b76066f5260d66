// @wsarena/runner: orchestration only — the matrix of stacks × scenarios × repetitions, one measured point, the capacity ladder and the scenarios.
export * from "./env.ts";
export * from "./measure.ts";
export * from "./cpu-per-message.ts";
export * from "./repetitions.ts";
export * from "./matrix.ts";
export * from "./scenarios/index.ts";
export * from "./scenarios/hostile.ts";
export * from "./capacity/index.ts";
