// @wsarena/stacks: The stacks: discovery of servers/*/stack.json, variants, launch, readiness, restart and teardown.
export * from "./discover.ts";
export * from "./launch.ts";
export * from "./variants.ts";
