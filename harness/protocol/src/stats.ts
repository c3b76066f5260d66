// The /stats counters every server keeps: plain number fields, incremented in place on the hot path.
import type { ServerStats } from "./index.ts";

/** The counters of ServerStats that a server increments itself (rssBytes and uptimeMs are read when /stats is asked). */
export type StatsCounters = Omit<ServerStats, "rssBytes" | "uptimeMs">;

/** Fresh counters, all zero. A server keeps one object and increments its fields directly (`stats.messagesOut++`). */
export function createStats(): StatsCounters {
  return { connections: 0, connectionsTotal: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0, closedForBackpressure: 0 };
}

/** Body of GET /stats: the counters now, the process RSS and the uptime since `startedMs` (a performance.now() reading). */
export function statsBody(counters: StatsCounters, rssBytes: number, startedMs: number): ServerStats {
  return { ...counters, rssBytes, uptimeMs: Math.round(performance.now() - startedMs) };
}
