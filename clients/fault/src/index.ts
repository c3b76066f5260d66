// @wsarena/fault: Clients that meet faults: reconnecting subscribers with backoff policies (pinned worker processes) and the stream reader that stops reading.
export * from "./backoff.ts";
export * from "./conn.ts";
export * from "./spawn.ts";
export * from "./stream-reader.ts";
export * from "./types.ts";
