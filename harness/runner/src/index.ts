// @wsarena/runner: orchestration only — the matrix of stacks × scenarios × repetitions, one measured point, the capacity ladder and the scenarios.
export * from "./env.ts";
export * from "./measure.ts";
export * from "./cpu-per-message.ts";
export * from "./repetitions.ts";
export * from "./matrix.ts";
export * from "./estimate.ts";
export { displayNameOf, headlineOf } from "./records.ts";
export { SERVER_STOP_GRACE_MS } from "./repetition-server.ts";
export { SERVER_EXIT_WAIT_MS, SERVER_STDERR_TAIL_LINES } from "./repetition.ts";
export * from "./scenarios/index.ts";
export * from "./scenarios/hostile.ts";
export * from "./capacity/index.ts";
export { DEFAULT_SLO, KNEE_BISECT_STEPS, KNEE_MAX_RATIO, KNEE_MIN_RECEIVED_SHARE, KNEE_RULE, parseSlo } from "./knee.ts";
