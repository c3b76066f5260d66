// The state every server starts with: start time, stats counters, topic registry, open connections.
import { paceNowMs } from "./pacing.ts";
import { createStats, type StatsCounters } from "./stats.ts";
import { TopicRegistry } from "./topics.ts";

/** A server's shared state; destructure it once at module level so the hot path increments `stats` fields directly. */
export interface ServerState<C> {
  /** performance.now() at start, for uptimeMs. */
  startedMs: number;
  stats: StatsCounters;
  topics: TopicRegistry<C>;
  /** Open connections (shutdown closes them, the idle sweep walks them). */
  conns: Set<C>;
}

/** Fresh state for a server whose connections are `C`. */
export function serverState<C>(): ServerState<C> {
  return { startedMs: paceNowMs(), stats: createStats(), topics: new TopicRegistry<C>(), conns: new Set<C>() };
}

/**
 * Shutdown's wait: exits through `exit` once every connection in `open` has closed (polled every 10 ms), or after
 * `graceMs` at the latest, so the 1001 close frames go out and the process still ends within the contract's 2 s.
 */
export function exitWhenClosed(open: { readonly size: number }, exit: () => void, graceMs: number): void {
  const deadline = setTimeout(exit, graceMs);
  const poll = setInterval(() => {
    if (open.size > 0) return;
    clearInterval(poll);
    clearTimeout(deadline);
    exit();
  }, 10);
}
