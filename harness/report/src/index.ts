// Public API of @wsarena/report: load a result set, write its report, compare two result sets.
export * from "./model.ts";
export * from "./load.ts";
export * from "./load-sets.ts";
export * from "./slo.ts";
export * from "./findings.ts";
export * from "./report.ts";
export * from "./readme-block.ts";
export * from "./compare.ts";
export * from "./capacity.ts";
