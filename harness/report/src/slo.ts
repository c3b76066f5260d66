// Latency service-level objectives given on the command line, e.g. "p99<10ms" or "p99.9<=50ms".

/** A parsed latency SLO. */
export interface Slo {
  /** Latency field it applies to. */
  metric: "p50Us" | "p90Us" | "p99Us" | "p999Us" | "maxUs";
  /** Threshold in microseconds. */
  thresholdUs: number;
  /** True for <=, false for <. */
  inclusive: boolean;
  /** Canonical text, e.g. "p99 < 10 ms". */
  text: string;
}

const METRICS: Record<string, Slo["metric"]> = { p50: "p50Us", p90: "p90Us", p99: "p99Us", "p99.9": "p999Us", p999: "p999Us", max: "maxUs" };
const UNITS: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000 };

/** Parses "p99<10ms" (percentile p50|p90|p99|p99.9|max, < or <=, number, unit us|µs|ms|s); throws a readable error. */
export function parseSlo(text: string): Slo {
  const m = /^\s*(p50|p90|p99\.9|p999|p99|max)\s*(<=|<)\s*([0-9]+(?:\.[0-9]+)?)\s*(us|µs|ms|s)\s*$/i.exec(text);
  if (!m) throw new Error(`--slo "${text}" is not a latency objective; expected e.g. "p99<10ms" (p50|p90|p99|p99.9|max, < or <=, a number and us|ms|s).`);
  const metric = METRICS[m[1]!.toLowerCase()]!;
  const value = Number(m[3]);
  const unit = m[4]!.toLowerCase();
  return {
    metric,
    thresholdUs: value * UNITS[unit]!,
    inclusive: m[2] === "<=",
    text: `${m[1]!.toLowerCase()} ${m[2]} ${m[3]} ${unit}`,
  };
}

/** Whether a latency in µs meets the objective. */
export function meetsSlo(slo: Slo, latencyUs: number): boolean {
  return slo.inclusive ? latencyUs <= slo.thresholdUs : latencyUs < slo.thresholdUs;
}
