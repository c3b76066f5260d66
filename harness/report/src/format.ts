// Number formatting shared by tables, charts and findings: fixed significant digits, units in the text.

/** 3 significant digits with a metric suffix: 1234567 → "1.23M". */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return "–";
  const a = Math.abs(n);
  if (a >= 1e9) return `${sig(n / 1e9)}G`;
  if (a >= 1e6) return `${sig(n / 1e6)}M`;
  if (a >= 1e3) return `${sig(n / 1e3)}k`;
  return sig(n);
}

/** Messages per second: "1.23M msg/s". */
export function fmtRate(msgsPerSec: number): string {
  return `${fmtCount(msgsPerSec)} msg/s`;
}

/** Latency from microseconds: "850 µs", "12.3 ms", "1.20 s". */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return "–";
  if (us >= 1e6) return `${sig(us / 1e6)} s`;
  if (us >= 1e3) return `${sig(us / 1e3)} ms`;
  return `${sig(us)} µs`;
}

/** Bytes in binary units: "12.3 MiB". */
export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "–";
  const a = Math.abs(bytes);
  if (a >= 2 ** 30) return `${sig(bytes / 2 ** 30)} GiB`;
  if (a >= 2 ** 20) return `${sig(bytes / 2 ** 20)} MiB`;
  if (a >= 2 ** 10) return `${sig(bytes / 2 ** 10)} KiB`;
  return `${Math.round(bytes)} B`;
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

/** Three significant digits without exponent notation for normal magnitudes. */
export function sig(n: number): string {
  if (n === 0) return "0";
  const a = Math.abs(n);
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** Params as a short label: "size=64, conns=100". */
export function fmtParams(params: Record<string, string | number | boolean>): string {
  const keys = Object.keys(params).sort();
  return keys.length ? keys.map((k) => `${k}=${String(params[k])}`).join(", ") : "default";
}
