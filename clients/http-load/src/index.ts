// @wsarena/http-load: The HTTP plane's load: autocannon workers and WebSocket subscribers in pinned processes, merged into one load result.
export * from "./http-load.ts";
export * from "./ipc.ts";
