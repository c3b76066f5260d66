// Versioned zod schema of a result set (results/<runId>/): run.json plus one measurement file per (stack, scenario).
// The parts live under schema/ (version and change policy in schema/version.ts); validity flags in flag-table.ts.
export * from "./schema/version.ts";
export * from "./schema/records.ts";
export * from "./schema/measurement.ts";
export * from "./schema/run.ts";
export * from "./schema/knee.ts";
export { validityFlagSchema, type ValidityFlag } from "./flag-table.ts";
export * from "./exact-cpu.ts";
