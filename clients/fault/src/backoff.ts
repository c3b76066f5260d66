// Reconnect backoff schedules (exponential, with or without jitter, after the AWS "Exponential Backoff and Jitter" note):
// pure functions of the attempt number and a random source, so a schedule is testable and a run reproducible.

/** Backoff policies compared by the reconnect scenario. */
export const BACKOFF_POLICIES = ["no-jitter", "full-jitter", "equal-jitter"] as const;
/** How the wait before a reconnect attempt is drawn. */
export type BackoffPolicy = (typeof BACKOFF_POLICIES)[number];

/** Parameters of an exponential backoff; never mutated. */
export interface BackoffOptions {
  policy: BackoffPolicy;
  /** Wait before the first retry (attempt 0) without jitter, ms. */
  baseMs: number;
  /** Upper bound of any wait, ms. */
  capMs: number;
  /** Growth per attempt (2 = doubling). */
  factor: number;
}

/** Default base wait: the first retry comes after 100 ms. */
export const DEFAULT_BACKOFF_BASE_MS = 100;
/** Default cap of one wait. */
export const DEFAULT_BACKOFF_CAP_MS = 5_000;
/** Default growth per attempt. */
export const DEFAULT_BACKOFF_FACTOR = 2;

/** The exponential ceiling of attempt n (0-based): min(cap, base · factor^n). */
export function backoffCeilingMs(o: BackoffOptions, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new Error(`backoff attempt must be an integer ≥ 0, got ${attempt}`);
  return Math.min(o.capMs, o.baseMs * o.factor ** attempt);
}

/**
 * The wait before reconnect attempt n (0-based), ms. `random` returns a number in [0, 1) (Math.random by default).
 * no-jitter: the ceiling itself (every client retries at the same instants: a thundering herd);
 * full-jitter: uniform in [0, ceiling); equal-jitter: ceiling/2 + uniform in [0, ceiling/2).
 */
export function backoffDelayMs(o: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const ceil = backoffCeilingMs(o, attempt);
  switch (o.policy) {
    case "no-jitter":
      return ceil;
    case "full-jitter":
      return random() * ceil;
    case "equal-jitter":
      return ceil / 2 + (random() * ceil) / 2;
  }
}

/** The first `attempts` waits of a schedule (for tests and for printing a policy). */
export function backoffSchedule(o: BackoffOptions, attempts: number, random: () => number = Math.random): number[] {
  return Array.from({ length: attempts }, (_, n) => backoffDelayMs(o, n, random));
}
