// Pacing of /stream at rate R, the idle sweep and the heartbeat timer: the clocks and formulas every server shares.

/** The pacing clock of every server: milliseconds from performance.now() (tick timestamps use CLOCK_MONOTONIC instead). */
export const paceNowMs = (): number => performance.now();

/**
 * Ticks due `elapsedMs` after a paced stream started at `rate` ticks/s: one at the start, then one per 1/rate s,
 * capped at `count` when count > 0. A late timer sends every tick due by now, so the delivered rate equals `rate`.
 */
export function ticksDue(elapsedMs: number, rate: number, count: number): number {
  const due = Math.floor((elapsedMs * rate) / 1000) + 1;
  return count > 0 && due > count ? count : due;
}

/** Timer period of a paced stream: one tick's interval, at least 1 ms (the catch-up in ticksDue covers the rest). */
export const paceIntervalMs = (rate: number): number => Math.max(1, 1000 / rate);

/** Sweeps per idle timeout: a connection is closed after more than this many sweeps without a received frame. */
export const IDLE_SWEEPS_PER_TIMEOUT = 4;

/** Per-connection state of the idle sweep: the stack's receive path sets it to 0 on every received frame. */
export interface IdleTracked {
  idleSweeps: number;
}

/**
 * Starts the idle sweep for WSARENA_IDLE_TIMEOUT_S (nothing when 0): every timeout/IDLE_SWEEPS_PER_TIMEOUT, each
 * connection's idleSweeps goes up by one, and one over IDLE_SWEEPS_PER_TIMEOUT is handed to `close` (closed after
 * 1 to 1.25 timeouts of silence). The timer does not keep the process alive. Returns a function that stops it.
 */
export function startIdleSweep<C extends IdleTracked>(idleTimeoutS: number, conns: Iterable<C>, close: (conn: C) => void): () => void {
  if (idleTimeoutS <= 0) return () => {};
  const timer = setInterval(
    () => {
      for (const conn of conns) if (++conn.idleSweeps > IDLE_SWEEPS_PER_TIMEOUT) close(conn);
    },
    (idleTimeoutS * 1000) / IDLE_SWEEPS_PER_TIMEOUT,
  );
  // Node and Bun timers have unref(); Deno's are numbers (Deno.unrefTimer), and a Deno server exits by Deno.exit anyway.
  (timer as unknown as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}

/**
 * Starts the heartbeat for WSARENA_PING_INTERVAL_S (nothing when 0): every `pingIntervalS` seconds, `ping` is called for
 * every open connection (one timer for the whole server, not one per connection). The timer does not keep the process
 * alive. Returns a function that stops it.
 */
export function startPings<C>(pingIntervalS: number, conns: Iterable<C>, ping: (conn: C) => void): () => void {
  if (pingIntervalS <= 0) return () => {};
  const timer = setInterval(() => {
    for (const conn of conns) ping(conn);
  }, pingIntervalS * 1000);
  (timer as unknown as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
