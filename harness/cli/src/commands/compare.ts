// `wsarena compare <dir-A> [<dir-B>]`: changes in throughput and latency between two result sets or two stacks, with significance.
import { existsSync } from "node:fs";
import { compareResultSets, DEFAULT_MIN_CHANGE_PCT, DEFAULT_REGRESSION_THRESHOLD_PCT, formatComparison, loadReportInput } from "@wsarena/report";
import { asUsage, parseFlags } from "../args.ts";
import { UsageError, type Command } from "../command.ts";
import { userPath } from "./report.ts";

/** Parses "10%" or "10" as a percentage in [0, 1000]. */
export function parsePercent(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(n) || n > 1000) throw new UsageError(`--${flag} ${value}: expected a percentage such as 10%`);
  return n;
}

export const command: Command = {
  name: "compare",
  summary: "Compare two result sets (same stacks) or two stacks (--stack-a/--stack-b): changes with 95% intervals, regressions beyond noise.",
  usage: `wsarena compare <result-dir-A> [<result-dir-B>] [--stack-a ID --stack-b ID] [--json] [--fail-on-regression] [--threshold ${DEFAULT_REGRESSION_THRESHOLD_PCT}%] [--min-change ${DEFAULT_MIN_CHANGE_PCT}%]`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        "stack-a": { type: "string" },
        "stack-b": { type: "string" },
        json: { type: "boolean" },
        "fail-on-regression": { type: "boolean" },
        threshold: { type: "string" },
        "min-change": { type: "string" },
      },
      true,
    );
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`expected one or two result set folders, got ${positionals.length}`);
    const stackA = values["stack-a"] ?? null;
    const stackB = values["stack-b"] ?? null;
    if ((stackA === null) !== (stackB === null))
      throw new UsageError("--stack-a and --stack-b go together: give both to compare one stack with another, or neither");
    if (positionals.length === 1 && stackA === null) throw new UsageError("with one result set, name the two stacks to compare: --stack-a ID --stack-b ID");
    for (const p of positionals) if (!existsSync(userPath(p))) throw new UsageError(`${p} does not exist; pass folders written by \`wsarena run\``);
    const a = loadReportInput(userPath(positionals[0]!));
    const b = positionals[1] === undefined ? a : loadReportInput(userPath(positionals[1]));
    const thresholdPct = parsePercent("threshold", values.threshold, DEFAULT_REGRESSION_THRESHOLD_PCT);
    const minChangePct = parsePercent("min-change", values["min-change"], DEFAULT_MIN_CHANGE_PCT);
    const c = asUsage(() => compareResultSets(a, b, { stackA, stackB, thresholdPct, minChangePct }));
    console.log(values.json ? JSON.stringify(c, null, 2) : formatComparison(c));
    if (c.points.length === 0)
      console.error("wsarena compare: no points matched; check that both sides ran the same scenarios (and stacks, unless --stack-a/--stack-b).");
    return values["fail-on-regression"] && c.failed ? 1 : 0;
  },
};
