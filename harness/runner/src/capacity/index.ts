// `wsarena capacity`: the ladder, user profiles and the runner (criteria and the result schema are in @wsarena/results).
export * from "./ladder.ts";
export * from "./limits.ts";
export * from "./profiles.ts";
export * from "./progress.ts";
export * from "./run.ts";
