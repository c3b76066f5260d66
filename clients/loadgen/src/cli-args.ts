// Small value parsers shared by the CLI and the bench.
import { DURATION_EXAMPLES, parseDuration } from "@wsarena/format";
import { OptionsError } from "./options.ts";

/** Parses a duration of the one grammar of @wsarena/format ("5s", "500ms", "2m", "1h30m" or a bare number of ms). */
export function parseDurationMs(name: string, v: string): number {
  const ms = parseDuration(v);
  if (ms === null) throw new OptionsError(`--${name} ${v}: expected a duration such as ${DURATION_EXAMPLES}`);
  return ms;
}
