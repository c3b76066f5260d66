// `wsarena capacity`: criteria, ladder, user profiles, the capacity result schema and the runner.
export * from "./criteria.ts";
export * from "./ladder.ts";
export * from "./profiles.ts";
export * from "./schema.ts";
export * from "./run.ts";
