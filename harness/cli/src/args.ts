// Flag parsing for commands: node:util parseArgs with one-line errors, plus validators for lists and numbers.
import { parseArgs } from "node:util";
import { fmtDurationExact, parseDuration } from "@wsarena/format";
import { UsageError } from "./command.ts";

/** Flag spec: name → string or boolean. */
export type FlagSpec = Record<string, { type: "string" | "boolean" }>;

/** Parses `argv` against `spec`; unknown flags, missing values and stray arguments throw UsageError. */
export function parseFlags<S extends FlagSpec>(
  argv: string[],
  spec: S,
  allowPositionals = false,
): { values: { [K in keyof S]?: S[K]["type"] extends "string" ? string : boolean }; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: spec, strict: true, allowPositionals });
    return { values: r.values as never, positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0]!;
    const valid = Object.keys(spec)
      .map((k) => `--${k}`)
      .join(", ");
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw new UsageError(`unknown flag ${unknown[1]}; valid flags: ${valid}`);
    const positional = /Unexpected argument '([^']+)'/.exec(msg);
    if (positional) throw new UsageError(`unexpected argument "${positional[1]}"; flags take the form --name value (valid flags: ${valid})`);
    const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
    if (missing) throw new UsageError(`${missing[1]} needs a value`);
    throw new UsageError(msg);
  }
}

/** Splits a comma-separated list ("a,b, c") into names; an empty list throws. */
export function parseList(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${flag} is empty; give comma-separated names`);
  return [...new Set(items)];
}

/** Parses a positive integer flag within [min, max]. */
export function parseIntFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${flag} ${value}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** Parses a flag that must be one of `choices`. */
export function parseChoice<T extends string>(flag: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${flag} "${value}" is not valid; choose one of: ${choices.join(", ")}`);
  return value as T;
}

/** Runs `fn` and turns its Error into a UsageError (for library validators such as selectStacks). */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Parses a percentage such as "5%" or "2.5%" into a fraction (0.05) within (0, maxPct] percent. */
export function parsePercentFlag(flag: string, value: string | undefined, maxPct: number): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  const pct = m ? Number(m[1]) : NaN;
  if (!m || !(pct > 0) || pct > maxPct) throw new UsageError(`--${flag} ${value}: expected a percentage above 0 and at most ${maxPct}, e.g. 5%`);
  return pct / 100;
}

/** Parses a duration of @wsarena/format's grammar ("45m", "90s", "1h30m", "500ms") into ms within [minMs, maxMs]. */
export function parseDurationFlag(flag: string, value: string | undefined, minMs: number, maxMs: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === null || !(ms >= minMs && ms <= maxMs)) {
    throw new UsageError(
      `--${flag} ${value}: expected a duration from ${fmtDurationExact(minMs)} to ${fmtDurationExact(maxMs)} written like 45m, 90s or 1h30m`,
    );
  }
  return ms;
}
