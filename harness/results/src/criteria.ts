// Capacity criteria: the strict parser of "p99<50ms,errors=0,cpu<80%,rss<2GiB" and the check of one step against them.

/** Criteria used when --criteria is not given (the example of issue 11: what an architect asks for). */
export const DEFAULT_CRITERIA = "p99<50ms,errors=0,cpu<80%,rss<2GiB";

/** Keys a criterion may name, with what each measures. */
export const CRITERION_KEYS = ["p50", "p90", "p99", "p999", "errors", "cpu", "rss"] as const;
export type CriterionKey = (typeof CRITERION_KEYS)[number];

/** Latency units and their size in µs. */
export const LATENCY_UNITS_US: Readonly<Record<string, number>> = { us: 1, ms: 1_000, s: 1_000_000 };
/** Memory units and their size in bytes. */
export const MEMORY_UNITS_BYTES: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** One parsed criterion: `key op limit`, the limit in the key's base unit (µs, count, % of the server core, bytes). */
export interface Criterion {
  key: CriterionKey;
  /** "<" and "<=" bound from above; "=" (errors only) asks for exactly the limit. */
  op: "<" | "<=" | "=";
  /** Limit in the base unit: µs for latency, a count for errors, % of the pinned server core for cpu, bytes for rss. */
  limit: number;
  /** The criterion as given, normalised (e.g. "p99<50ms"). */
  text: string;
}

/** What a step measured, in the criteria's base units; null where nothing was measured (e.g. no message arrived). */
export interface StepMeasures {
  p50Us: number | null;
  p90Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  /** Connect failures + unexpected closes + lost, duplicated, reordered or corrupted messages + server drops. */
  errors: number;
  /** Server process CPU over the window, % of one core (its own time: other tenants of the pinned core are not in it). */
  cpuPct: number | null;
  /** Highest server RSS over the window, bytes. */
  rssBytes: number | null;
}

/** A criterion a step did not meet, with the value measured (null = not measured, which fails). */
export interface CriterionFailure {
  criterion: string;
  measured: number | null;
  /** The measured value in the criterion's unit, e.g. "61.2ms", "3", "91%", "2.3GiB", or "not measured". */
  measuredText: string;
}

/** A user mistake in --criteria: the message is one line naming what is valid. */
export class CriteriaError extends Error {}

const KEY_HELP = `valid keys: ${CRITERION_KEYS.join(", ")}`;
const UNIT_HELP: Record<CriterionKey, string> = {
  p50: "us, ms or s",
  p90: "us, ms or s",
  p99: "us, ms or s",
  p999: "us, ms or s",
  errors: "no unit (a count)",
  cpu: "% (server process CPU, of one core)",
  rss: "B, KiB, MiB or GiB",
};

/** Parses a comma-separated criteria list; throws CriteriaError (one line naming the valid keys or units) on anything else. */
export function parseCriteria(text: string): Criterion[] {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.every((p) => p === "")) throw new CriteriaError(`--criteria is empty; expected e.g. "${DEFAULT_CRITERIA}" (${KEY_HELP})`);
  const out: Criterion[] = [];
  for (const part of parts) {
    if (part === "") throw new CriteriaError(`--criteria "${text}" has an empty item; separate criteria with single commas, e.g. "${DEFAULT_CRITERIA}"`);
    const m = /^([A-Za-z][A-Za-z0-9.]*)\s*(<=|<|=)\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-zµ%]*)$/.exec(part);
    if (!m) throw new CriteriaError(`criterion "${part}" is not of the form <key><op><number><unit>, e.g. p99<50ms; ${KEY_HELP}; ops: <, <= (errors also =)`);
    const key = (m[1] === "p99.9" ? "p999" : m[1]!) as CriterionKey;
    if (!(CRITERION_KEYS as readonly string[]).includes(key)) throw new CriteriaError(`criterion "${part}": unknown key "${m[1]}"; ${KEY_HELP}`);
    const op = m[2] as Criterion["op"];
    const value = Number(m[3]);
    const unit = m[4]!;
    if (op === "=" && key !== "errors") throw new CriteriaError(`criterion "${part}": "=" applies to errors only; use < or <= for ${key}`);
    let limit: number;
    if (key === "errors") {
      if (unit !== "") throw new CriteriaError(`criterion "${part}": unknown unit "${unit}" for errors; valid: ${UNIT_HELP.errors}`);
      if (!Number.isInteger(value)) throw new CriteriaError(`criterion "${part}": errors is a count; give a whole number`);
      limit = value;
    } else if (key === "cpu") {
      if (unit !== "%") throw new CriteriaError(`criterion "${part}": unknown unit "${unit}" for cpu; valid: ${UNIT_HELP.cpu}`);
      limit = value;
    } else if (key === "rss") {
      const f = MEMORY_UNITS_BYTES[unit];
      if (f === undefined) throw new CriteriaError(`criterion "${part}": unknown unit "${unit}" for rss; valid: ${UNIT_HELP.rss}`);
      limit = value * f;
    } else {
      const f = LATENCY_UNITS_US[unit === "µs" ? "us" : unit];
      if (f === undefined) throw new CriteriaError(`criterion "${part}": unknown unit "${unit}" for ${key}; valid: ${UNIT_HELP[key]}`);
      limit = value * f;
    }
    if (out.some((c) => c.key === key)) throw new CriteriaError(`criterion "${part}": ${key} is given twice; give each key once`);
    out.push({ key, op, limit, text: `${key}${op}${m[3]}${unit}` });
  }
  return out;
}

/** The measured value a criterion looks at. */
export function measuredFor(key: CriterionKey, m: StepMeasures): number | null {
  switch (key) {
    case "p50":
      return m.p50Us;
    case "p90":
      return m.p90Us;
    case "p99":
      return m.p99Us;
    case "p999":
      return m.p999Us;
    case "errors":
      return m.errors;
    case "cpu":
      return m.cpuPct;
    case "rss":
      return m.rssBytes;
  }
}

/** A value in a criterion's own unit family, for messages and tables: 61200 µs → "61.2ms", 2.5e9 B → "2.33GiB". */
export function formatMeasured(key: CriterionKey, v: number | null): string {
  if (v === null) return "not measured";
  if (key === "errors") return String(v);
  if (key === "cpu") return `${+v.toFixed(1)}%`;
  if (key === "rss") {
    const [unit, f] =
      v >= MEMORY_UNITS_BYTES.GiB! ? ["GiB", MEMORY_UNITS_BYTES.GiB!] : v >= MEMORY_UNITS_BYTES.MiB! ? ["MiB", MEMORY_UNITS_BYTES.MiB!] : ["KiB", 1024];
    return `${+(v / f).toFixed(2)}${unit}`;
  }
  if (v >= 1_000_000) return `${+(v / 1_000_000).toFixed(2)}s`;
  if (v >= 1_000) return `${+(v / 1_000).toFixed(2)}ms`;
  return `${Math.round(v)}us`;
}

/** Whether a measured value meets a criterion (a value that was not measured never does). */
export function meets(c: Criterion, v: number | null): boolean {
  if (v === null || Number.isNaN(v)) return false;
  return c.op === "<" ? v < c.limit : c.op === "<=" ? v <= c.limit : v === c.limit;
}

/** The criteria a step did not meet (empty = the step passes). */
export function checkCriteria(criteria: readonly Criterion[], m: StepMeasures): CriterionFailure[] {
  return criteria.flatMap((c) => {
    const v = measuredFor(c.key, m);
    return meets(c, v) ? [] : [{ criterion: c.text, measured: v, measuredText: formatMeasured(c.key, v) }];
  });
}
