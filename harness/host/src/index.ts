// @wsarena/host: The machine: CPU pinning, child processes, /proc samplers and exact CPU counters, the floor probe, the quiet gate, OS limits and brokers.
export * from "./broker.ts";
export * from "./exact-cpu.ts";
export * from "./floor.ts";
export * from "./os-limits.ts";
export * from "./pin.ts";
export * from "./procs.ts";
export * from "./quiet.ts";
export * from "./sample.ts";
export * from "./time.ts";
export * from "./worker.ts";
