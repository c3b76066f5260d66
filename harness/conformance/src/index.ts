// Public API of @wsarena/conformance: run the protocol v1 checks against a stack and format the report.
export { runConformance, applyDeviation, DEFAULT_CONCURRENCY } from "./suite.ts";
export { formatReport, type FormatOptions } from "./format.ts";
export { CHECKS, CHECK_IDS, SMOKE_CHECK_IDS } from "./checks/index.ts";
export type * from "./types.ts";
