// Number formatting of the report, the CLI and the load generator: three significant digits, units in the text.

/** A unit of a formatter: values of at least `size` are shown divided by it, followed by `suffix`. */
interface Unit {
  size: number;
  suffix: string;
}

/**
 * Formats `n` in the largest unit it reaches (units smallest first), moving up one unit when rounding for display
 * reaches the next one (999999 → "1.00M", not "1000k").
 */
function withUnit(n: number, units: readonly Unit[], digits: (v: number, unit: Unit) => string): string {
  if (!Number.isFinite(n)) return "–";
  let i = units.length - 1;
  while (i > 0 && Math.abs(n) < units[i]!.size) i--;
  const next = units[i + 1];
  if (next && Math.abs(Number(digits(n / units[i]!.size, units[i]!))) * units[i]!.size >= next.size) i++;
  const unit = units[i]!;
  return `${digits(n / unit.size, unit)}${unit.suffix}`;
}

/** Decimal suffixes of fmtCount, smallest first. */
const COUNT_UNITS: Unit[] = [
  { size: 1, suffix: "" },
  { size: 1e3, suffix: "k" },
  { size: 1e6, suffix: "M" },
  { size: 1e9, suffix: "G" },
];

/** 3 significant digits with a metric suffix: 1234567 → "1.23M", 999999 → "1.00M". */
export function fmtCount(n: number): string {
  return withUnit(n, COUNT_UNITS, sig);
}

/** Messages per second: "1.23M msg/s". */
export function fmtRate(msgsPerSec: number): string {
  return `${fmtCount(msgsPerSec)} msg/s`;
}

/** Time units of fmtUs, smallest first. */
const US_UNITS: Unit[] = [
  { size: 1, suffix: " µs" },
  { size: 1e3, suffix: " ms" },
  { size: 1e6, suffix: " s" },
];

/** Latency from microseconds: "850 µs", "12.3 ms", "1.20 s"; 999999 µs → "1.00 s". */
export function fmtUs(us: number): string {
  return withUnit(us, US_UNITS, sig);
}

/** Binary units of fmtBytes, smallest first. */
const BYTE_UNITS: Unit[] = [
  { size: 1, suffix: " B" },
  { size: 2 ** 10, suffix: " KiB" },
  { size: 2 ** 20, suffix: " MiB" },
  { size: 2 ** 30, suffix: " GiB" },
];

/** Bytes in binary units: "12.3 MiB"; whole bytes below 1 KiB. */
export function fmtBytes(bytes: number): string {
  return withUnit(bytes, BYTE_UNITS, (v, unit) => (unit.size === 1 ? `${Math.round(v)}` : sig(v)));
}

/** Signed percentage from a ratio: 1.2 → "+20.0%". */
export function fmtChange(ratio: number): string {
  if (!Number.isFinite(ratio)) return "–";
  const pct = (ratio - 1) * 100;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
}

/** Plain percentage: 0.53 → "53%". */
export function fmtPct(fraction: number, digits = 0): string {
  if (!Number.isFinite(fraction)) return "–";
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** US dollars with enough digits for small amounts. */
export function fmtUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "–";
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  // Three significant digits without trailing zeros: 0.0000900 → "$0.00009".
  if (usd <= 0) return "$0";
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(usd)));
  return `$${usd.toFixed(decimals).replace(/\.?0+$/, "")}`;
}

/** Three significant digits without exponent notation for normal magnitudes (whole numbers from 100 up); the digit
 * count follows the rounded value, so 99.97 → "100" and 9.999 → "10.0". */
export function sig(n: number): string {
  if (n === 0) return "0";
  const a = Math.abs(n);
  if (a >= 99.95) return n.toFixed(0);
  if (a >= 9.995) return n.toFixed(1);
  if (a >= 0.9995) return n.toFixed(2);
  return n.toPrecision(3);
}

/** A number with thousands separators and at most `digits` decimals ("12,345", "1,234.5"): the terminal's exact figures. */
export function fmtNum(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Params as a short label: "size=64, conns=100". */
export function fmtParams(params: Record<string, string | number | boolean>): string {
  const keys = Object.keys(params).sort();
  return keys.length ? keys.map((k) => `${k}=${String(params[k])}`).join(", ") : "default";
}
