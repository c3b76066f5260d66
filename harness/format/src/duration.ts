// The one duration grammar of every command line (wsarena, the load generator, the bench): "500ms", "3s", "40m", "1h",
// "1h30m", "1.5s", or a bare number of milliseconds.

/** Milliseconds per unit of the grammar. */
export const DURATION_UNIT_MS: Readonly<Record<"h" | "m" | "s" | "ms", number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Examples for error texts. */
export const DURATION_EXAMPLES = "500ms, 3s, 40m, 1h or 1h30m";

const BARE_MS = /^\d+(?:\.\d+)?$/;
const TERMS = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const TERM = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;

/**
 * A duration in whole ms, or null when `text` is not one: a bare number of ms, or terms `<number><unit>` (units h, m,
 * s, ms) written largest unit first, each unit at most once ("1h30m", "2m30s", "1s500ms").
 */
export function parseDuration(text: string): number | null {
  const v = text.trim();
  if (BARE_MS.test(v)) return Math.round(Number(v));
  if (!TERMS.test(v)) return null;
  let ms = 0;
  let lastUnitMs = Infinity;
  for (const [, n, unit] of v.matchAll(TERM)) {
    const unitMs = DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS];
    if (unitMs >= lastUnitMs) return null;
    lastUnitMs = unitMs;
    ms += Number(n) * unitMs;
  }
  return Math.round(ms);
}

/** Formats milliseconds as "1h02m", "4m05s" or "12s" (whole seconds; parseDuration reads it back). */
export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** Whole ms in the largest unit that holds it exactly: 86_400_000 → "24h", 600_000 → "10m", 90_000 → "90s", 500 → "500ms". */
export function fmtDurationExact(ms: number): string {
  for (const unit of ["h", "m", "s"] as const) if (ms !== 0 && ms % DURATION_UNIT_MS[unit] === 0) return `${ms / DURATION_UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}
