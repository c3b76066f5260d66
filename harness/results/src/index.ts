// @wsarena/results: The result-set contract: run, measurement and capacity schemas, validity flags, capacity criteria, migrations and io.
export * from "./capacity.ts";
export * from "./criteria.ts";
export * from "./flag-table.ts";
export * from "./flags.ts";
export * from "./io.ts";
export * from "./migrate.ts";
export * from "./schema.ts";
export * from "./scenarios.ts";
export * from "./details.ts";
export * from "./load-shape.ts";
export * from "./point-flags.ts";
export * from "./server-cpu.ts";
