// Small value parsers shared by the CLI and the bench.
import { OptionsError } from "./options.ts";

/** Parses "5s", "500ms", "2m" or a bare number of ms. */
export function parseDurationMs(name: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new OptionsError(`--${name} ${v}: expected a duration such as 5s, 500ms or 2m`);
  const x = Number(m[1]);
  return Math.round(m[2] === "s" ? x * 1000 : m[2] === "m" ? x * 60_000 : x);
}
